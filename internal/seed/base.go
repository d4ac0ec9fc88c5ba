package seed

// Domains are the nine domains of the Campus and the announced tenth.
var Domains = []Domain{
	{Slug: "agilite-et-produit", Title: "Agilité et produit", Position: 1, Status: "published", Summary: "Conduire des produits numériques utiles, en équipe, par itérations courtes et au plus près des usagers.", Description: "Les services publics numériques qui réussissent partent d’un problème réel d’usager et avancent par petites livraisons mesurées. Ce domaine rassemble les méthodes de l’approche produit portée par beta.gouv.fr et les incubateurs ministériels : investigation, équipes autonomes, Scrum et Kanban, mesure d’impact, pilotage par les résultats plutôt que par les livrables. Il s’adresse autant aux équipes qu’aux managers et aux sponsors qui les accompagnent."},
	{Slug: "communs-et-logiciels-libres", Title: "Communs et logiciels libres", Position: 2, Status: "published", Summary: "Utiliser, publier et contribuer aux logiciels libres et aux communs numériques de l’administration.", Description: "La loi pour une République numérique fait de l’ouverture des codes sources une obligation et la politique de la DINUM encourage l’usage et la contribution aux logiciels libres. Ce domaine couvre les licences, le Socle interministériel de logiciels libres (SILL), la publication sur code.gouv.fr, la communauté BlueHats et la gouvernance des communs numériques partagés entre administrations et au-delà."},
	{Slug: "cybersecurite", Title: "Cybersécurité", Position: 3, Status: "published", Summary: "Protéger les systèmes d’information et les données de l’État, du bon geste quotidien à la gestion de crise.", Description: "Les administrations sont une cible régulière de rançongiciels, d’hameçonnages et d’intrusions. Avec le Centre de formation à la sécurité des systèmes d’information (CFSSI) de l’ANSSI et ses partenaires, le Campus propose des formations pour tous les agents (hygiène numérique), pour les équipes techniques (homologation, EBIOS Risk Manager, durcissement) et pour les décideurs (gestion de crise cyber)."},
	{Slug: "data", Title: "Data", Position: 4, Status: "published", Summary: "Ouvrir, partager, exploiter et protéger les données publiques au service des politiques publiques.", Description: "Les données sont au cœur de l’action publique : pilotage, évaluation, ouverture sur data.gouv.fr, échanges entre administrations par API. Ce domaine va de la culture de la donnée pour tous les agents jusqu’aux compétences des data scientists et data engineers, en passant par la protection des données personnelles (RGPD) et la gouvernance des données ministérielles."},
	{Slug: "design-et-accessibilite", Title: "Design et accessibilité", Position: 5, Status: "published", Summary: "Concevoir des services publics simples, inclusifs et accessibles à toutes et tous.", Description: "Un service public numérique doit pouvoir être utilisé par chacun, y compris les personnes en situation de handicap et les usagers éloignés du numérique. Ce domaine couvre la recherche utilisateur, le design de services, le Système de design de l’État (DSFR), la rédaction claire et le Référentiel général d’amélioration de l’accessibilité (RGAA), obligation légale pour les administrations."},
	{Slug: "environnement-numerique-de-travail", Title: "Environnement numérique de travail", Position: 6, Status: "published", Summary: "Maîtriser les outils collaboratifs de l’État et travailler efficacement en mode hybride.", Description: "Messagerie Tchap, webconférence de l’État, espaces collaboratifs Resana, France Transfert, suites bureautiques : l’environnement numérique de travail conditionne le quotidien de chaque agent. Ce domaine propose des formations courtes et pratiques, des certifications Pix et des ressources pour animer le travail à distance et en équipe hybride."},
	{Slug: "numerique-responsable", Title: "Numérique responsable", Position: 7, Status: "published", Summary: "Réduire l’empreinte environnementale du numérique public et le rendre plus sobre et plus inclusif.", Description: "Le numérique représente une part croissante de l’empreinte carbone nationale. La loi REEN et le Référentiel général d’écoconception de services numériques (RGESN) engagent les administrations à concevoir des services sobres, à allonger la durée de vie des équipements et à mesurer leurs impacts. Ce domaine outille les acheteurs, les équipes projet et les décideurs."},
	{Slug: "technologies-et-infrastructures", Title: "Technologies et infrastructures numériques (dont le cloud)", Position: 8, Status: "published", Summary: "Cloud, réseaux, API et pratiques DevOps pour des infrastructures publiques souveraines et fiables.", Description: "La doctrine « cloud au centre » de l’État, la qualification SecNumCloud, les offres interministérielles (Nubo, Cloud Pi Native) et les pratiques DevOps transforment la manière de construire et d’exploiter les services numériques. Ce domaine accompagne les équipes techniques et les chefs de projet dans ces évolutions, de l’architecture aux opérations."},
	{Slug: "transformation-numerique", Title: "Transformation numérique", Position: 9, Status: "published", Summary: "Piloter la transformation numérique des administrations : stratégie, projets, achats et conduite du changement.", Description: "Transformer une administration par le numérique demande des compétences de pilotage autant que techniques : stratégie, gouvernance des projets, achat public de solutions numériques, conduite du changement et management des équipes. Ce domaine s’adresse en priorité aux managers et aux cadres dirigeants, avec les écoles de service public partenaires."},
	{Slug: "intelligence-artificielle", Title: "Intelligence artificielle", Position: 10, Status: "coming", Summary: "Comprendre, évaluer et déployer l’intelligence artificielle dans l’action publique : domaine en préparation.", Description: "Un dixième domaine consacré à l’intelligence artificielle est en préparation avec les partenaires du Campus : culture générale de l’IA, usages des assistants génératifs souverains, évaluation des risques et cadre du règlement européen sur l’IA. Les premiers modules seront annoncés ici ; les inscriptions ne sont pas encore ouvertes."},
}

// Partners are the schools, international bodies and platforms that deliver the Campus's modules.
var Partners = []Partner{
	{Slug: "enm", Name: "École nationale de la magistrature", ShortName: "ENM", Kind: "ecole", Website: "https://www.enm.justice.fr",
		Summary: "L’école qui forme les magistrats de l’ordre judiciaire, partenaire pour le numérique dans la justice.",
		Description: "L’ENM assure la formation initiale et continue des magistrats. Avec le Campus, elle ouvre aux agents publics ses modules sur la " +
			"transformation numérique de la justice, la preuve numérique et la protection des données judiciaires."},
	{Slug: "mines-paris", Name: "Mines Paris – PSL", ShortName: "École des Mines", Kind: "ecole", Website: "https://www.minesparis.psl.eu",
		Summary: "Grande école d’ingénieurs, partenaire pour la data, le cloud et les infrastructures.",
		Description: "Mines Paris – PSL apporte au Campus l’expertise de ses centres de recherche en mathématiques appliquées, en informatique " +
			"et en systèmes, au travers de modules de formation continue pour les ingénieurs et cadres de l’État."},
	{Slug: "inria", Name: "Inria", ShortName: "Inria Academy", Kind: "ecole", Website: "https://www.inria.fr",
		Summary: "L’institut national de recherche en sciences et technologies du numérique et son Inria Academy.",
		Description: "Par son Inria Academy, l’institut forme aux logiciels libres issus de la recherche (scikit-learn, Pharo, Coq…) et propose des MOOC " +
			"sur la plateforme FUN, notamment sur la programmation, la science des données et la protection de la vie privée."},
	{Slug: "igpde", Name: "Institut de la gestion publique et du développement économique", ShortName: "IGPDE", Kind: "ecole", Website: "https://www.economie.gouv.fr/igpde",
		Summary: "L’opérateur de formation des ministères économiques et financiers.",
		Description: "L’IGPDE forme chaque année des dizaines de milliers d’agents publics aux métiers de la gestion publique. Il propose avec le Campus des " +
			"modules sur l’achat public numérique, la gestion de projet et la donnée financière."},
	{Slug: "diese", Name: "Délégation interministérielle à l’encadrement supérieur de l’État", ShortName: "DIESE", Kind: "administration", Website: "https://www.fonction-publique.gouv.fr",
		Summary: "La délégation qui accompagne les cadres dirigeants de l’État dans leur parcours.",
		Description: "La DIESE pilote la politique d’encadrement supérieur de l’État. Elle a construit avec le Campus le parcours de transformation " +
			"numérique suivi par 200 directrices et directeurs d’administration centrale."},
	{Slug: "insp", Name: "Institut national du service public", ShortName: "INSP", Kind: "ecole", Website: "https://insp.gouv.fr",
		Summary: "L’école qui forme les hauts fonctionnaires de l’État, héritière de l’ENA.",
		Description: "L’INSP assure la formation initiale et continue des cadres supérieurs de l’État. Ses modules sur le pilotage de la transformation " +
			"numérique et la décision publique fondée sur la donnée sont ouverts aux agents via le Campus."},
	{Slug: "cfssi", Name: "Centre de formation à la sécurité des systèmes d’information", ShortName: "CFSSI (ANSSI)", Kind: "ecole", Website: "https://cyber.gouv.fr",
		Summary: "Le centre de formation de l’Agence nationale de la sécurité des systèmes d’information.",
		Description: "Le CFSSI de l’ANSSI forme les agents publics à la sécurité des systèmes d’information, de la sensibilisation jusqu’à l’expertise. " +
			"Il délivre notamment le MOOC SecNumacadémie et des stages d’homologation et d’analyse de risque EBIOS Risk Manager."},
	{Slug: "commission-europeenne", Name: "Commission européenne", ShortName: "Commission européenne", Kind: "international", Website: "https://interoperable-europe.ec.europa.eu",
		Summary: "Les programmes de compétences numériques de l’Union européenne, dont l’Interoperable Europe Academy.",
		Description: "La Commission européenne met à disposition des administrations des États membres des formations en ligne sur l’interopérabilité, " +
			"les services publics numériques transfrontaliers, le cadre européen des compétences numériques (DigComp) et la cybersécurité."},
	{Slug: "oit", Name: "Organisation internationale du travail", ShortName: "OIT", Kind: "international", Website: "https://www.itcilo.org",
		Summary: "L’agence des Nations unies pour le monde du travail et son centre international de formation de Turin.",
		Description: "Le Centre international de formation de l’OIT, à Turin, propose des parcours sur l’avenir du travail, la transformation numérique " +
			"des services publics de l’emploi et le management d’équipes hybrides, ouverts aux agents français via le Campus."},
	{Slug: "unesco", Name: "UNESCO", ShortName: "UNESCO", Kind: "international", Website: "https://www.unesco.org",
		Summary: "L’organisation des Nations unies pour l’éducation, la science et la culture.",
		Description: "L’UNESCO partage avec le Campus ses ressources sur l’éthique du numérique, l’inclusion numérique, les compétences numériques et " +
			"l’ouverture des données et des ressources éducatives."},
	{Slug: "academie-quebec", Name: "Académie de la transformation numérique (Québec)", ShortName: "Académie de la transformation numérique (Québec)", Kind: "international", Website: "https://www.atn.ulaval.ca",
		Summary: "L’académie de l’Université Laval qui forme la fonction publique québécoise au numérique.",
		Description: "Partenaire francophone du Campus, l’Académie de la transformation numérique de l’Université Laval partage ses formations en ligne " +
			"sur le leadership numérique, l’expérience usager et la gestion de produit dans l’administration publique québécoise."},
	{Slug: "pix", Name: "Pix", ShortName: "Pix", Kind: "plateforme", Website: "https://pix.fr",
		Summary: "Le service public en ligne pour évaluer, développer et certifier ses compétences numériques.",
		Description: "Pix permet à chaque agent de se positionner sur les 16 compétences du référentiel européen DigComp, de progresser et de se certifier. " +
			"L’État a acquis 100 000 licences Pix Pro pour ses agents, complétées de 20 000 licences supplémentaires, distribuées par le Campus."},
	{Slug: "openclassrooms", Name: "OpenClassrooms", ShortName: "OpenClassrooms", Kind: "plateforme", Website: "https://openclassrooms.com",
		Summary: "Plateforme de cours en ligne et de parcours diplômants aux métiers du numérique.",
		Description: "Le Campus distribue 600 licences OpenClassrooms donnant accès à des cours et à des parcours certifiants en développement, data, " +
			"gestion de projet et cybersécurité, suivis à son rythme avec un accompagnement."},
	{Slug: "dinum", Name: "Direction interministérielle du numérique", ShortName: "DINUM", Kind: "administration", Website: "https://www.numerique.gouv.fr",
		Summary: "La direction qui porte le Campus du numérique public et ses équipes beta.gouv.fr, Etalab et design.",
		Description: "La DINUM conçoit et anime une large part du catalogue du Campus avec ses pôles d’expertise : beta.gouv.fr pour l’approche produit, " +
			"Etalab pour la donnée et les logiciels libres, le pôle design des services numériques pour le design et l’accessibilité."},
}

// Audiences are the publics the Campus trains.
var Audiences = []Audience{
	{Slug: "tous-les-agents", Label: "Tous les agents", Position: 1,
		Description: "Tout agent public qui souhaite développer ses compétences numériques, quel que soit son métier."},
	{Slug: "filiere-numerique", Label: "Filière numérique", Position: 2,
		Description: "Les agents des métiers du numérique : développement, data, design, infrastructures, sécurité, produit."},
	{Slug: "managers", Label: "Managers", Position: 3,
		Description: "Les encadrants qui pilotent des équipes et des projets et accompagnent la transformation de leur service."},
	{Slug: "cadres-dirigeants", Label: "Cadres dirigeants", Position: 4,
		Description: "Les directrices et directeurs d’administration et les cadres supérieurs de l’État."},
}
