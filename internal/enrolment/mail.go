package enrolment

import (
	"fmt"
	"strings"

	"campus/internal/catalogue"
	"campus/internal/mail"
)

// Kinds of the enrolment mails (mail_outbox.kind).
const (
	KindConfirmed        = "enrolment_confirmed"
	KindWaitlisted       = "enrolment_waitlisted"
	KindPromoted         = "enrolment_promoted"
	KindCancelled        = "enrolment_cancelled"
	KindSessionCancelled = "session_cancelled"
	KindSessionChanged   = "session_changed"
	KindReminder         = "session_reminder"
	KindOnline           = "enrolment_online"
	KindTrack            = "enrolment_track"
)

// Notice is an event an agent is told about by mail. The repository builds it inside the transaction of the
// event, so that the mail is queued if and only if the event is committed.
type Notice struct {
	Kind      string
	Enrolment Enrolment // with its Person, Module, Session and Position
	Track     TrackOutcome
	Changes   []Change // KindSessionChanged: what changed in the session
}

// Change is one thing about a session that changed, as an agent is told: "Date", before, after (in French).
type Change struct {
	Label, Before, After string
}

// SessionChanges lists what changed between two states of a session that matters to its agents (when, where,
// the virtual classroom, who trains), in French; trainerBefore and trainerAfter are the trainer's names.
// None when nothing of that changed.
func SessionChanges(before, after catalogue.Session, trainerBefore, trainerAfter string) []Change {
	var out []Change
	add := func(label, b, a string) {
		if b != a {
			out = append(out, Change{Label: label, Before: b, After: a})
		}
	}
	add("Date", catalogue.Schedule(before.StartsAt, before.EndsAt)+" (heure de Paris)", catalogue.Schedule(after.StartsAt, after.EndsAt)+" (heure de Paris)")
	add("Lieu", placeText(before), placeText(after))
	add("Classe virtuelle", orNone(before.VirtualURL, "aucune"), orNone(after.VirtualURL, "aucune"))
	add("Formateur ou formatrice", orNone(trainerBefore, "pas encore désigné"), orNone(trainerAfter, "pas encore désigné"))
	return out
}

func placeText(s catalogue.Session) string {
	if p := strings.Join(nonEmpty(s.PlaceName, s.Address, s.City), ", "); p != "" {
		return p
	}
	return "à distance, en classe virtuelle"
}

func orNone(s, none string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return none
}

// Mailer writes the mails of the notices; BaseURL (the portal's public URL, without a trailing slash) makes
// their links absolute.
type Mailer struct {
	BaseURL string
}

const signature = "\n\nL’équipe du Campus du numérique public\n" +
	"Ce courriel vous est envoyé automatiquement : merci de ne pas y répondre."

func hello(p Person) string {
	name := strings.Join(strings.Fields(strings.TrimSpace(p.GivenName+" "+p.UsualName)), " ")
	if name != "" {
		return "Bonjour " + name + ",\n\n"
	}
	return "Bonjour,\n\n"
}

// sessionLines describes where and when a session happens.
func sessionLines(s catalogue.Session) string {
	var b strings.Builder
	b.WriteString("Date : " + catalogue.Schedule(s.StartsAt, s.EndsAt) + " (heure de Paris)\n")
	if s.PlaceName != "" {
		b.WriteString("Lieu : " + strings.Join(nonEmpty(s.PlaceName, s.Address, s.City), ", ") + "\n")
		if s.VirtualURL != "" {
			b.WriteString("Ou à distance, en classe virtuelle : " + s.VirtualURL + "\n")
		}
	} else {
		b.WriteString("Classe virtuelle : " + s.VirtualURL + "\n")
	}
	return b.String()
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Message writes the mail of a notice.
func (m Mailer) Message(n Notice) mail.Message {
	e := n.Enrolment
	base := strings.TrimSuffix(m.BaseURL, "/")
	mine := base + "/mes-formations"
	ics := fmt.Sprintf("%s/mes-formations/%d/calendrier.ics", base, e.ID)
	title := e.Module.Title
	msg := mail.Message{Kind: n.Kind, To: e.Person.Email}
	switch n.Kind {
	case KindConfirmed, KindPromoted:
		lead := "Votre inscription au module « " + title + " » est confirmée.\n\n"
		msg.Subject = "Inscription confirmée : " + title
		if n.Kind == KindPromoted {
			lead = "Une place s’est libérée : vous quittez la liste d’attente et votre inscription au module « " + title + " » est confirmée.\n\n"
			msg.Subject = "Une place s’est libérée : " + title
		}
		msg.Body = hello(e.Person) + lead + sessionLines(e.Session) + "\n" +
			"Ajoutez-la à votre agenda : " + ics + "\n" +
			"Retrouvez vos formations : " + mine + "\n\n" +
			"Si vous ne pouvez plus venir, annulez depuis « Mes formations » avant le " +
			catalogue.ShortDate(CancelDeadline(e.Session.StartsAt)) + " à " + catalogue.Clock(CancelDeadline(e.Session.StartsAt)) +
			" : votre place reviendra à la première personne de la liste d’attente." + signature
	case KindWaitlisted:
		msg.Subject = "Liste d’attente : " + title
		msg.Body = hello(e.Person) + "La session du module « " + title + " » que vous avez choisie est complète : " +
			"vous êtes inscrit·e sur sa liste d’attente, en position " + fmt.Sprint(e.Position) + ".\n\n" + sessionLines(e.Session) + "\n" +
			"Si une place se libère, elle vous sera attribuée automatiquement, dans l’ordre d’arrivée, et vous recevrez un courriel.\n" +
			"D’autres sessions de ce module ont peut-être encore des places : " + base + e.Module.Href() + "\n" +
			"Retrouvez vos formations : " + mine + signature
	case KindCancelled:
		msg.Subject = "Désinscription enregistrée : " + title
		what := "au module « " + title + " »"
		if e.HasSession() {
			what += " (session " + catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt) + ")"
		}
		msg.Body = hello(e.Person) + "Votre désinscription " + what + " est enregistrée.\n\n" +
			"Vous pouvez vous inscrire à une autre session à tout moment : " + base + e.Module.Href() + signature
	case KindSessionCancelled:
		msg.Subject = "Session annulée : " + title
		msg.Body = hello(e.Person) + "Nous sommes désolés : la session du module « " + title + " » à laquelle vous étiez inscrit·e est annulée.\n\n" +
			sessionLines(e.Session) + "\n" +
			"Votre inscription est annulée ; l’événement de votre agenda l’est aussi : " + ics + "\n" +
			"Choisissez une autre session de ce module : " + base + e.Module.Href() + signature
	case KindSessionChanged:
		msg.Subject = "Session modifiée : " + title
		where := "à laquelle vous êtes inscrit·e"
		switch e.Status {
		case Waitlisted:
			where = "pour laquelle vous êtes sur liste d’attente (position " + fmt.Sprint(e.Position) + ")"
		case Pending:
			where = "à laquelle vous avez demandé à vous inscrire"
		}
		var b strings.Builder
		b.WriteString(hello(e.Person) + "La session du module « " + title + " » " + where + " a changé.\n\n")
		for _, c := range n.Changes {
			b.WriteString(c.Label + " :\n  avant : " + c.Before + "\n  désormais : " + c.After + "\n")
		}
		b.WriteString("\nLa session, telle qu’elle est maintenant :\n" + sessionLines(e.Session) + "\n" +
			"Mettez à jour votre agenda avec ce fichier : " + ics + "\n" +
			"(l’abonnement au calendrier de vos formations, si vous en avez un, se met à jour de lui-même)\n" +
			"Retrouvez vos formations : " + mine + "\n\n")
		switch e.Status {
		case Confirmed:
			b.WriteString("Si vous ne pouvez plus venir, annulez depuis « Mes formations » : votre place reviendra à la première personne de la liste d’attente.")
		case Waitlisted:
			b.WriteString("Si cette session ne vous convient plus, quittez la liste d’attente depuis « Mes formations ».")
		default:
			b.WriteString("Si cette session ne vous convient plus, annulez votre demande depuis « Mes formations ».")
		}
		msg.Body = b.String() + signature
	case KindReminder:
		msg.Subject = "Rappel : " + title + ", " + catalogue.Date(e.Session.StartsAt)
		msg.Body = hello(e.Person) + "Votre formation « " + title + " » approche.\n\n" + sessionLines(e.Session) + "\n" +
			"Ajoutez-la à votre agenda : " + ics + "\n" +
			"Si vous ne pouvez plus venir, annulez depuis « Mes formations » (" + mine + ") avant le " +
			catalogue.ShortDate(CancelDeadline(e.Session.StartsAt)) + " à " + catalogue.Clock(CancelDeadline(e.Session.StartsAt)) +
			", ou prévenez l’équipe du Campus." + signature
	case KindOnline:
		msg.Subject = "Inscription confirmée : " + title
		link := ""
		if e.Module.ExternalURL != "" {
			link = "Accédez au contenu en ligne : " + e.Module.ExternalURL + "\n"
		}
		msg.Body = hello(e.Person) + "Votre inscription au module en ligne « " + title + " » est confirmée : vous le suivez à votre rythme.\n\n" +
			link + "Retrouvez vos formations : " + mine + signature
	case KindTrack:
		t := n.Track
		msg.Subject = "Inscription au parcours : " + t.Track.Title
		var b strings.Builder
		b.WriteString(hello(e.Person) + "Votre inscription au parcours « " + t.Track.Title + " » est enregistrée.\n")
		if len(t.Online) > 0 {
			b.WriteString("\nModules en ligne, ouverts dès maintenant :\n")
			for _, m := range t.Online {
				b.WriteString("- " + m.Title + "\n")
			}
		}
		if len(t.ToSchedule) > 0 {
			b.WriteString("\nModules en session : choisissez une date pour chacun depuis « Mes formations » :\n")
			for _, m := range t.ToSchedule {
				b.WriteString("- " + m.Title + " : " + base + m.Href() + "\n")
			}
		}
		b.WriteString("\nRetrouvez vos formations : " + mine + signature)
		msg.Body = b.String()
	default:
		msg.Subject = "Votre inscription : " + title
		msg.Body = hello(e.Person) + "Votre inscription au module « " + title + " » a changé : " + StatusLabel(e.Status) + ".\n" +
			"Retrouvez vos formations : " + mine + signature
	}
	return msg
}

// Kinds of the mails to a session's trainer.
const (
	KindTrainerAssigned   = "trainer_session_assigned"
	KindTrainerUnassigned = "trainer_session_unassigned"
	KindTrainerChanged    = "trainer_session_changed"
)

// TrainerNotice tells a trainer that a session was given to them (KindTrainerAssigned), taken from them
// (KindTrainerUnassigned), or changed (KindTrainerChanged, with Changes).
type TrainerNotice struct {
	Kind        string
	Trainer     Person
	ModuleTitle string
	Session     catalogue.Session
	Changes     []Change
}

// TrainerMessage writes the mail of a trainer notice; its link opens the session's roster in the trainer space.
func (m Mailer) TrainerMessage(n TrainerNotice) mail.Message {
	base := strings.TrimSuffix(m.BaseURL, "/")
	roster := fmt.Sprintf("%s/formateur/sessions/%d", base, n.Session.ID)
	title := n.ModuleTitle
	msg := mail.Message{Kind: n.Kind, To: n.Trainer.Email}
	var b strings.Builder
	b.WriteString(hello(n.Trainer))
	switch n.Kind {
	case KindTrainerAssigned:
		msg.Subject = "Une session vous est confiée : " + title
		b.WriteString("Vous animerez la session du module « " + title + " » :\n\n" + sessionLines(n.Session) + "\n" +
			"La liste des inscrits et l’émargement : " + roster + "\n" +
			"Votre espace formateur : " + base + "/formateur")
	case KindTrainerUnassigned:
		msg.Subject = "Session retirée de votre espace : " + title
		b.WriteString("La session du module « " + title + " » ne vous est plus confiée :\n\n" + sessionLines(n.Session) + "\n" +
			"Pour toute question, écrivez à l’équipe du Campus. Votre espace formateur : " + base + "/formateur")
	case KindTrainerChanged:
		msg.Subject = "Session modifiée : " + title
		b.WriteString("La session du module « " + title + " » que vous animez a changé.\n\n")
		for _, c := range n.Changes {
			b.WriteString(c.Label + " :\n  avant : " + c.Before + "\n  désormais : " + c.After + "\n")
		}
		b.WriteString("\nLa liste des inscrits et l’émargement : " + roster)
	}
	msg.Body = b.String() + signature
	return msg
}
