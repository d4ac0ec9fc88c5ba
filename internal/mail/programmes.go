package mail

import "strings"

// Mails of the Campus's programmes: partner licences, the call for trainers, tailored-programme requests.
// The first link of each body is the portal page the mail is about (Link, the dev page and the tests use it).

// Kinds of the programmes' mails.
const (
	KindLicenceAllocated  = "licence_allocated"
	KindLicenceCodeReady  = "licence_code_ready"
	KindLicenceRevoked    = "licence_revoked"
	KindTrainerReceived   = "trainer_application_received"
	KindTrainerDuplicate  = "trainer_application_duplicate"
	KindTrainerMoreInfo   = "trainer_application_more_info"
	KindTrainerAccepted   = "trainer_application_accepted"
	KindTrainerDeclined   = "trainer_application_declined"
	KindProgrammeReceived = "programme_request_received"
	KindProgrammeStatus   = "programme_request_status"
)

// Licence is what a licence mail says about the licence.
type Licence struct {
	Partner    string // "Pix"
	Pool       string // the pool's name
	ValidUntil string // "31 décembre 2026"
	Code       string // may be empty
	URL        string // activation link, may be empty
}

func (l Licence) access() string {
	var b strings.Builder
	switch {
	case l.Code != "" && l.URL != "":
		b.WriteString("Votre code : " + oneLine(l.Code) + "\nVotre lien d’activation : " + oneLine(l.URL) + "\n")
	case l.Code != "":
		b.WriteString("Votre code : " + oneLine(l.Code) + "\n")
	case l.URL != "":
		b.WriteString("Votre lien d’activation : " + oneLine(l.URL) + "\n")
	default:
		b.WriteString("Votre code d’accès vous sera envoyé par courriel dès que le partenaire l’aura transmis au Campus.\n")
	}
	return b.String()
}

// LicenceAllocated tells an agent that a licence is theirs; link is their licences page.
func LicenceAllocated(to, name string, l Licence, link string) Message {
	return portalMail(KindLicenceAllocated, to, name, "Votre licence "+oneLine(l.Partner)+" est attribuée",
		"Une licence « "+oneLine(l.Pool)+" » vous est attribuée. Retrouvez-la dans votre espace :\n\n"+
			link+"\n\n"+l.access()+"Elle est valable jusqu’au "+l.ValidUntil+" inclus.\n"+
			"Si vous n’en avez plus besoin, rendez-la depuis votre espace : elle ira à l’agent suivant.")
}

// LicenceCodeReady sends the code of a licence allocated earlier.
func LicenceCodeReady(to, name string, l Licence, link string) Message {
	return portalMail(KindLicenceCodeReady, to, name, "Votre code d’accès "+oneLine(l.Partner)+" est disponible",
		"Le code d’accès de votre licence « "+oneLine(l.Pool)+" » est disponible. Retrouvez-le aussi dans votre espace :\n\n"+
			link+"\n\n"+l.access()+"Votre licence est valable jusqu’au "+l.ValidUntil+" inclus.")
}

// LicenceRevoked tells an agent that an administrator took their licence back.
func LicenceRevoked(to, name string, l Licence, reason, link string) Message {
	body := "Votre licence « " + oneLine(l.Pool) + " » vous a été retirée par l’équipe du Campus"
	if reason = strings.TrimSpace(reason); reason != "" {
		body += " pour le motif suivant :\n\n" + reason + "\n\n"
	} else {
		body += ".\n\n"
	}
	return portalMail(KindLicenceRevoked, to, name, "Votre licence "+oneLine(l.Partner)+" a été retirée",
		body+"Vos demandes de licence : "+link+"\n\nPour toute question, contactez l’équipe du Campus.")
}

// TrainerReceived acknowledges an application to the call for trainers; link is the call's page. The form is
// anonymous: nothing typed in it is repeated (see VerifyEmail).
func TrainerReceived(to, link string) Message {
	return portalMail(KindTrainerReceived, to, "", "Votre candidature de formateur est bien reçue",
		"Merci pour votre candidature à l’appel à formateurs du Campus du numérique public. "+
			"L’équipe du Campus l’étudie et vous répondra par courriel.\n\nL’appel à formateurs : "+link+"\n\n"+
			"Si vous n’avez pas envoyé de candidature, ignorez ce courriel : elle ne sera pas retenue sans vous.")
}

// TrainerDuplicate answers an application sent while another one is under review for the same address.
func TrainerDuplicate(to, link string) Message {
	return portalMail(KindTrainerDuplicate, to, "", "Votre candidature de formateur est déjà en cours d’examen",
		"Une candidature à l’appel à formateurs du Campus du numérique public est déjà en cours d’examen pour "+
			"cette adresse : la nouvelle n’a pas été enregistrée. L’équipe du Campus vous répondra par courriel.\n\n"+
			"L’appel à formateurs : "+link)
}

// The team's answers to an application or a request (below) go to the address typed in its form, which its
// sender may not own: like the acknowledgements, they repeat nothing typed in the form. name is the name of the
// account that has proven the address ("" when none has: the greeting is then « Bonjour, »), never the one typed
// (postgres.provenName); the team's own message is theirs.

// TrainerMoreInfo asks an applicant for more information; link is the single-use page where they answer.
func TrainerMoreInfo(to, name, question, link string) Message {
	return portalMail(KindTrainerMoreInfo, to, name, "Votre candidature de formateur : précisions demandées",
		"L’équipe du Campus a étudié votre candidature et a besoin de précisions. Répondez en ligne :\n\n"+
			link+"\n\nSa question :\n\n"+strings.TrimSpace(question)+"\n\nCe lien ne sert qu’une fois.")
}

// TrainerAccepted welcomes a new trainer; space is their trainer space. awaiting: no account has proven this
// address yet, so the role waits for the first one that does (signUp and reset are the pages where they create
// their account or choose a password for an unconfirmed one).
func TrainerAccepted(to, name, message, space, setPassword string, awaiting bool) Message {
	body := "Votre candidature à l’appel à formateurs est acceptée : bienvenue dans la communauté des formateurs " +
		"du Campus du numérique public !\n\nVotre espace formateur : " + space + "\n\n"
	if m := strings.TrimSpace(message); m != "" {
		body += "Le mot de l’équipe :\n\n" + m + "\n\n"
	}
	if awaiting {
		body += "Choisissez le mot de passe de votre compte du Campus, qui recevra le rôle de formateur (lien personnel, " +
			"valable 7 jours et une seule fois) : " + setPassword + "\n\n" +
			"Vous pouvez aussi vous connecter avec ProConnect avec cette adresse.\n"
	} else {
		body += "Votre compte existant a reçu le rôle de formateur : connectez-vous comme d’habitude.\n"
	}
	return portalMail(KindTrainerAccepted, to, name, "Votre candidature de formateur est acceptée",
		body)
}

// TrainerDeclined answers an application that is not kept.
func TrainerDeclined(to, name, message, link string) Message {
	body := "Merci pour votre candidature à l’appel à formateurs du Campus du numérique public. " +
		"Elle n’a pas été retenue cette fois-ci.\n\n"
	if m := strings.TrimSpace(message); m != "" {
		body += m + "\n\n"
	}
	return portalMail(KindTrainerDeclined, to, name, "Votre candidature de formateur",
		body+"L’appel reste ouvert : "+link)
}

// ProgrammeReceived acknowledges a tailored-programme request; link follows it. The form may be anonymous:
// nothing typed in it is repeated (see VerifyEmail).
func ProgrammeReceived(to, link string) Message {
	return unprovenLinkMail(KindProgrammeReceived, to, "Votre demande de programme sur mesure est bien reçue",
		"Votre demande de programme sur mesure est bien reçue. "+
			"Suivez son avancement à tout moment avec ce lien personnel (ne le partagez pas) :", link,
		"L’équipe du Campus vous tiendra informé(e) par courriel à chaque étape.\n"+
			"Si vous n’avez pas fait cette demande, ignorez ce courriel.")
}

// ProgrammeStatus tells the contact of a request that its status changed; link follows it. The request is named
// by the day it was sent ("jeudi 3 décembre 2026"), never by the administration typed in it.
func ProgrammeStatus(to, name, sent, status, message, link string) Message {
	body := "Votre demande de programme sur mesure du " + sent + " est maintenant : " +
		status + ".\n\nSuivre votre demande : " + link + "\n\n"
	if m := strings.TrimSpace(message); m != "" {
		body += "Le message de l’équipe du Campus :\n\n" + m + "\n"
	}
	return portalMail(KindProgrammeStatus, to, name, "Votre demande de programme sur mesure : "+status,
		body)
}
