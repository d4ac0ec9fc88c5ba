package seed

// Venues where several dated modules take place, written once. A venue used by a single module stays
// inline in its module.
//
// Two places are spelled two ways in the reference catalogue (IGPDE's name, the number of the Hauts-de-France
// prefecture): both spellings are kept as they are, since they are what the database holds and shows.
var (
	venueSegur = &Venue{
		Name:    "Campus du numérique public – Ségur",
		Address: "20 avenue de Ségur",
		City:    "Paris",
	}
	venueMines = &Venue{
		Name:    "Mines Paris – PSL",
		Address: "60 boulevard Saint-Michel",
		City:    "Paris",
	}
	venueCFSSI = &Venue{
		Name:    "Centre de formation à la sécurité des systèmes d’information (CFSSI) – ANSSI",
		Address: "51 boulevard de La Tour-Maubourg",
		City:    "Paris",
	}
	venueIGPDE = &Venue{
		Name:    "IGPDE – Centre de formation de Vincennes",
		Address: "20 allée Georges Pompidou",
		City:    "Vincennes",
	}
	venueIGPDEVincennes = &Venue{
		Name:    "IGPDE – Vincennes",
		Address: "20 allée Georges Pompidou",
		City:    "Vincennes",
	}
	venueINSP = &Venue{
		Name:    "Institut national du service public (INSP)",
		Address: "1 rue Sainte-Marguerite",
		City:    "Strasbourg",
	}
	venueInriaSaclay = &Venue{
		Name:    "Centre Inria de Saclay",
		Address: "1 rue Honoré d’Estienne d’Orves",
		City:    "Palaiseau",
	}
	venuePrefectureRhone = &Venue{
		Name:    "Préfecture du Rhône",
		Address: "106 rue Pierre Corneille",
		City:    "Lyon",
	}
	venuePrefectureAURA = &Venue{
		Name:    "Préfecture de la région Auvergne-Rhône-Alpes",
		Address: "106 rue Pierre Corneille",
		City:    "Lyon",
	}
	venuePrefectureHDF = &Venue{
		Name:    "Préfecture de la région Hauts-de-France",
		Address: "12 rue Jean Sans Peur",
		City:    "Lille",
	}
	venuePrefectureHDFAlt = &Venue{
		Name:    "Préfecture de la région Hauts-de-France",
		Address: "12-14 rue Jean sans Peur",
		City:    "Lille",
	}
	venuePrefectureBretagne = &Venue{
		Name:    "Préfecture de la région Bretagne",
		Address: "3 avenue de la Préfecture",
		City:    "Rennes",
	}
	venuePrefectureOccitanie = &Venue{
		Name:    "Préfecture de la région Occitanie",
		Address: "1 place Saint-Étienne",
		City:    "Toulouse",
	}
)
