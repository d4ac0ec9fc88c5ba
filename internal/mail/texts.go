package mail

import "strings"

// Signature closes every mail of the portal.
const Signature = "\n\nL’équipe du Campus du numérique public\n" +
	"Ce courriel vous est envoyé automatiquement : merci de ne pas y répondre."

const subjectSuffix = " – Campus du numérique public"

// Hello opens every mail of the portal: « Bonjour Prénom Nom, » or « Bonjour, » when name is empty.
func Hello(name string) string {
	if name = oneLine(name); name != "" {
		return "Bonjour " + name + ",\n\n"
	}
	return "Bonjour,\n\n"
}

// portalMail is a mail of the portal: its subject ends with the portal's name, its body opens with the greeting
// of name ("" for an address that has proven nothing yet) and closes with the signature.
func portalMail(kind, to, name, subject, body string) Message {
	return Message{Kind: kind, To: to, Subject: subject + subjectSuffix, Body: Hello(name) + body + Signature}
}

// Kinds of mails.
const (
	KindVerifyEmail        = "verify_email"
	KindAlreadyRegistered  = "already_registered"
	KindResetPassword      = "reset_password"
	KindPasswordChanged    = "password_changed"
	KindAccountDeleted     = "account_deleted"
	KindEmailChangeConfirm = "email_change_confirm"
	KindEmailChangeTaken   = "email_change_taken"
	KindEmailChangeNotice  = "email_change_notice"
	KindEmailChanged       = "email_changed"
)

// Mails to an address that has not proven anything yet (a sign-up, a new address, an anonymous form's
// acknowledgement) never repeat text typed by whoever filled the form: no name, no free text, only the
// portal's own words and links. Otherwise anyone could make the portal carry their text (a phishing link) to
// any address.

// unprovenLinkMail is such a mail when it carries a link: the portal's words before it (lead) and after it
// (tail), the link alone on its line, no name.
func unprovenLinkMail(kind, to, subject, lead, link, tail string) Message {
	return portalMail(kind, to, "", subject, lead+"\n\n"+link+"\n\n"+tail)
}

// VerifyEmail asks to confirm the address of a new account; link is the absolute verification link.
func VerifyEmail(to, link string) Message {
	return unprovenLinkMail(KindVerifyEmail, to, "Confirmez votre adresse électronique",
		"Pour activer votre compte sur le Campus du numérique public, confirmez votre adresse électronique "+
			"en ouvrant le lien suivant, puis en saisissant le mot de passe choisi à la création du compte :", link,
		"Ce lien est valable 48 heures et ne peut servir qu’une fois.\n"+
			"Si vous n’avez pas demandé la création de ce compte, ignorez ce courriel : aucun compte ne sera activé.")
}

// EmailChangeConfirm asks to confirm a new address for an existing account; link is the confirmation link.
func EmailChangeConfirm(to, link string) Message {
	return unprovenLinkMail(KindEmailChangeConfirm, to, "Confirmez votre nouvelle adresse électronique",
		"Un compte du Campus du numérique public demande à utiliser cette adresse électronique. "+
			"Pour la confirmer, ouvrez le lien suivant, puis validez depuis ce compte (connecté, ou avec son mot de passe) :", link,
		"Ce lien est valable 48 heures et ne peut servir qu’une fois. Tant que le changement n’est pas validé, rien ne change.\n"+
			"Si vous n’êtes pas à l’origine de cette demande, ignorez ce courriel : cette adresse ne sera pas utilisée.")
}

// EmailChangeTaken answers a change of address towards an address that already has an account, without
// telling the person who asked.
func EmailChangeTaken(to, loginLink, resetLink string) Message {
	return portalMail(KindEmailChangeTaken, to, "", "Cette adresse a déjà un compte",
		"Quelqu’un a demandé à utiliser cette adresse électronique pour un autre compte du Campus du numérique public. "+
			"Un compte existe déjà pour cette adresse : la demande n’a pas été appliquée et votre compte n’a pas été modifié.\n\n"+
			"Pour vous connecter : "+loginLink+"\n"+
			"Si vous avez oublié votre mot de passe : "+resetLink+"\n\n"+
			"Si vous n’êtes pas à l’origine de cette demande, ignorez ce courriel.")
}

// EmailChangeNotice tells the current address that a change to newEmail was asked, with the link that
// cancels it (and secures the account).
func EmailChangeNotice(to, name, newEmail, cancelLink string) Message {
	return portalMail(KindEmailChangeNotice, to, name, "Changement d’adresse demandé sur votre compte",
		"Un changement d’adresse électronique vient d’être demandé pour votre compte du Campus du numérique public, "+
			"vers l’adresse "+oneLine(newEmail)+". Il ne s’appliquera qu’une fois confirmé depuis cette nouvelle adresse ; "+
			"d’ici là, votre adresse actuelle reste celle du compte.\n\n"+
			"Si vous n’êtes pas à l’origine de cette demande, annulez-la et sécurisez votre compte (pendant 7 jours) :\n"+cancelLink+"\n\n"+
			"Si c’est bien vous, vous n’avez rien à faire ici.")
}

// EmailChanged tells the former address that the account now uses newEmail, with the link that undoes it.
func EmailChanged(to, name, newEmail, revertLink string) Message {
	return portalMail(KindEmailChanged, to, name, "L’adresse de votre compte a changé",
		"L’adresse électronique de votre compte du Campus du numérique public est désormais "+oneLine(newEmail)+
			". Les courriels du Campus seront envoyés à cette adresse.\n\n"+
			"Si vous n’êtes pas à l’origine de ce changement, rétablissez votre adresse et sécurisez votre compte (pendant 7 jours) :\n"+
			revertLink+"\n\net prévenez l’équipe du Campus.")
}

// AlreadyRegistered answers a sign-up with an address that already has an account, without telling the
// person who filled the form.
func AlreadyRegistered(to, name, loginLink, resetLink string) Message {
	return portalMail(KindAlreadyRegistered, to, name, "Vous avez déjà un compte",
		"Quelqu’un (probablement vous) a demandé à créer un compte sur le Campus du numérique public "+
			"avec cette adresse électronique. Un compte existe déjà pour cette adresse : aucun nouveau compte n’a été créé.\n\n"+
			"Pour vous connecter : "+loginLink+"\n"+
			"Si vous avez oublié votre mot de passe : "+resetLink+"\n\n"+
			"Si vous n’êtes pas à l’origine de cette demande, ignorez ce courriel : votre compte n’a pas été modifié.")
}

// ResetPassword sends a single-use link to choose a new password.
func ResetPassword(to, name, link string) Message {
	return portalMail(KindResetPassword, to, name, "Réinitialisez votre mot de passe",
		"Vous avez demandé à réinitialiser le mot de passe de votre compte du Campus du numérique public. "+
			"Ouvrez le lien suivant pour en choisir un nouveau :\n\n"+link+"\n\n"+
			"Ce lien est valable 1 heure et ne peut servir qu’une fois. Une fois le mot de passe changé, "+
			"toutes vos sessions ouvertes seront fermées.\n"+
			"Si vous n’avez pas fait cette demande, ignorez ce courriel : votre mot de passe reste inchangé.")
}

// PasswordChanged tells the owner that their password changed.
func PasswordChanged(to, name, resetLink string) Message {
	return portalMail(KindPasswordChanged, to, name, "Votre mot de passe a été modifié",
		"Le mot de passe de votre compte du Campus du numérique public vient d’être modifié.\n\n"+
			"Si vous n’êtes pas à l’origine de ce changement, réinitialisez immédiatement votre mot de passe :\n"+
			resetLink+"\net prévenez l’équipe du Campus.")
}

// AccountDeleted confirms the deletion of an account.
func AccountDeleted(to, name string) Message {
	return portalMail(KindAccountDeleted, to, name, "Votre compte a été supprimé",
		"Comme vous l’avez demandé, votre compte du Campus du numérique public et les données qui lui "+
			"étaient associées ont été supprimés. Vous pouvez créer un nouveau compte à tout moment.")
}

// Link returns the first http(s) link of a body: the tests and the dev page use it.
func Link(body string) string {
	for _, f := range strings.Fields(body) {
		if strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://") {
			return f
		}
	}
	return ""
}
