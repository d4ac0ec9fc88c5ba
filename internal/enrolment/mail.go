package enrolment

import (
	"fmt"
	"strings"
	"time"

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
	// Line-manager approval.
	KindHeld             = "enrolment_held" // to the agent: seat held, request sent
	KindPromotedHeld     = "enrolment_promoted_held"
	KindApprovalRequest  = "approval_request"  // to the manager, with the link
	KindApprovalReminder = "approval_reminder" // to the manager, with a new link
	KindApproved         = "enrolment_approved"
	KindRefused          = "enrolment_refused"
	KindExpired          = "enrolment_expired"
	KindAbsence          = "enrolment_absence" // an absence declared after the cut-off: excused, seat kept
	KindColdSurvey       = "survey_cold"       // the "à froid" survey, 60 days after
)

// Notice is an event an agent is told about by mail. The repository builds it inside the transaction of the
// event, so that the mail is queued if and only if the event is committed.
type Notice struct {
	Kind      string
	Enrolment Enrolment // with its Person, Module, Session and Position
	Track     TrackOutcome
	Changes   []Change // KindSessionChanged: what changed in the session
	// Approval: the request (manager, expiry, message) of the approval kinds; Token the raw token of the
	// manager's link (request and reminder mails only; only its hash is stored).
	Approval Approval
	Token    string
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
	// ApprovalHold is how long a seat waits for the manager's answer (DefaultApprovalHold when zero).
	ApprovalHold time.Duration
}

// Link is the absolute link of a path of the portal ("/verification/…"): every link of a mail the store
// composes is written so.
func (m Mailer) Link(path string) string { return strings.TrimSuffix(m.BaseURL, "/") + path }

// Hold is the approval hold.
func (m Mailer) Hold() time.Duration {
	if m.ApprovalHold <= 0 {
		return DefaultApprovalHold
	}
	return m.ApprovalHold
}

const signature = mail.Signature

func hello(p Person) string { return mail.Hello(p.GivenName + " " + p.UsualName) }

// seatOpenings are the subject and first paragraph (formats of the module's title) of the mails that give an
// agent a seat in a session: confirmed or held for the manager's answer, at once or from the waiting list.
var seatOpenings = map[string]struct{ subject, lead string }{
	KindConfirmed:    {"Inscription confirmée : %s", "Votre inscription au module « %s » est confirmée."},
	KindPromoted:     {"Une place s’est libérée : %s", "Une place s’est libérée : vous quittez la liste d’attente et votre inscription au module « %s » est confirmée."},
	KindHeld:         {"En attente de l’accord de votre responsable : %s", "Votre demande d’inscription au module « %s » est enregistrée et une place vous est réservée."},
	KindPromotedHeld: {"Une place vous est réservée : %s", "Une place s’est libérée dans la session du module « %s » : elle vous est réservée."},
}

// seatOpening writes the subject of a seat mail (seatOpenings) and the start of its body: the greeting, the
// first paragraph and the session.
func seatOpening(n Notice) (subject, body string) {
	o, title := seatOpenings[n.Kind], n.Enrolment.Module.Title
	return fmt.Sprintf(o.subject, title), hello(n.Enrolment.Person) + fmt.Sprintf(o.lead, title) + "\n\n" + sessionLines(n.Enrolment.Session)
}

// sessionLines describes where and when a session happens.
func sessionLines(s catalogue.Session) string {
	var b strings.Builder
	b.WriteString("Date : " + catalogue.Schedule(s.StartsAt, s.EndsAt) + " (heure de Paris)\n")
	if s.PlaceName != "" {
		b.WriteString("Lieu : " + strings.Join(nonEmpty(s.PlaceName, s.Address, s.City), ", ") + "\n")
		if s.VirtualURL != "" {
			b.WriteString("Ou à distance, en classe virtuelle : " + s.VirtualURL + "\n")
		}
	} else {
		b.WriteString("Classe virtuelle : " + s.VirtualURL + "\n")
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
	base := m.Link("")
	mine := base + "/mes-formations"
	ics := fmt.Sprintf("%s/mes-formations/%d/calendrier.ics", base, e.ID)
	title := e.Module.Title
	msg := mail.Message{Kind: n.Kind, To: e.Person.Email}
	switch n.Kind {
	case KindConfirmed, KindPromoted:
		var opening string
		msg.Subject, opening = seatOpening(n)
		msg.Body = opening + "\n" +
			"Ajoutez-la à votre agenda : " + ics + "\n" +
			"Retrouvez vos formations : " + mine + "\n\n" +
			"Si vous ne pouvez plus venir, annulez depuis « Mes formations » avant le " +
			catalogue.ShortDate(CancelDeadline(e.Session.StartsAt)) + " à " + catalogue.Clock(CancelDeadline(e.Session.StartsAt)) +
			" : votre place reviendra à la première personne de la liste d’attente." + signature
	case KindWaitlisted:
		msg.Subject = "Liste d’attente : " + title
		msg.Body = hello(e.Person) + "La session du module « " + title + " » que vous avez choisie est complète : " +
			"vous êtes inscrit·e sur sa liste d’attente, en position " + fmt.Sprint(e.Position) + ".\n\n" + sessionLines(e.Session) + "\n" +
			"Si une place se libère, elle vous sera attribuée automatiquement, dans l’ordre d’arrivée, et vous recevrez un courriel.\n" +
			"D’autres sessions de ce module ont peut-être encore des places : " + base + e.Module.Href() + "\n" +
			"Retrouvez vos formations : " + mine + signature
	case KindCancelled:
		msg.Subject = "Désinscription enregistrée : " + title
		what := "au module « " + title + " »"
		if e.HasSession() {
			what += " (session " + catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt) + ")"
		}
		msg.Body = hello(e.Person) + "Votre désinscription " + what + " est enregistrée.\n\n" +
			"Vous pouvez vous inscrire à une autre session à tout moment : " + base + e.Module.Href() + signature
	case KindSessionCancelled:
		msg.Subject = "Session annulée : " + title
		msg.Body = hello(e.Person) + "Nous sommes désolés : la session du module « " + title + " » à laquelle vous étiez inscrit·e est annulée.\n\n" +
			sessionLines(e.Session) + "\n" +
			"Votre inscription est annulée ; l’événement de votre agenda l’est aussi : " + ics + "\n" +
			"Choisissez une autre session de ce module : " + base + e.Module.Href() + "\n" + trackReturn(e, mine) + signature
	case KindSessionChanged:
		msg.Subject = "Session modifiée : " + title
		where := "à laquelle vous êtes inscrit·e"
		switch e.Status {
		case Waitlisted:
			where = "pour laquelle vous êtes sur liste d’attente (position " + fmt.Sprint(e.Position) + ")"
		case Pending:
			where = "à laquelle vous avez demandé à vous inscrire"
		case Held:
			where = "pour laquelle une place vous est réservée en attendant l’accord de votre responsable"
		}
		var b strings.Builder
		b.WriteString(hello(e.Person) + "La session du module « " + title + " » " + where + " a changé.\n\n")
		for _, c := range n.Changes {
			b.WriteString(c.Label + " :\n  avant : " + c.Before + "\n  désormais : " + c.After + "\n")
		}
		b.WriteString("\nLa session, telle qu’elle est maintenant :\n" + sessionLines(e.Session) + "\n" +
			"Mettez à jour votre agenda avec ce fichier : " + ics + "\n" +
			"(l’abonnement au calendrier de vos formations, si vous en avez un, se met à jour de lui-même)\n" +
			"Retrouvez vos formations : " + mine + "\n\n")
		switch e.Status {
		case Confirmed:
			b.WriteString("Si vous ne pouvez plus venir, annulez depuis « Mes formations » : votre place reviendra à la première personne de la liste d’attente.")
		case Waitlisted:
			b.WriteString("Si cette session ne vous convient plus, quittez la liste d’attente depuis « Mes formations ».")
		default:
			b.WriteString("Si cette session ne vous convient plus, annulez votre demande depuis « Mes formations ».")
		}
		msg.Body = b.String() + signature
	case KindReminder:
		msg.Subject = "Rappel : " + title + ", " + catalogue.Date(e.Session.StartsAt)
		msg.Body = hello(e.Person) + "Votre formation « " + title + " » approche.\n\n" + sessionLines(e.Session) + "\n" +
			"Ajoutez-la à votre agenda : " + ics + "\n" +
			"Si vous ne pouvez plus venir, annulez depuis « Mes formations » (" + mine + ") avant le " +
			catalogue.ShortDate(CancelDeadline(e.Session.StartsAt)) + " à " + catalogue.Clock(CancelDeadline(e.Session.StartsAt)) +
			", ou prévenez l’équipe du Campus." + signature
	case KindOnline:
		msg.Subject = "Inscription confirmée : " + title
		link := ""
		if e.Module.ExternalURL != "" {
			link = "Accédez au contenu en ligne : " + e.Module.ExternalURL + "\n"
		}
		msg.Body = hello(e.Person) + "Votre inscription au module en ligne « " + title + " » est confirmée : vous le suivez à votre rythme.\n\n" +
			link + "Retrouvez vos formations : " + mine + signature
	case KindTrack:
		t := n.Track
		msg.Subject = "Inscription au parcours : " + t.Track.Title
		var b strings.Builder
		b.WriteString(hello(e.Person) + "Votre inscription au parcours « " + t.Track.Title + " » est enregistrée.\n")
		if len(t.Online) > 0 {
			b.WriteString("\nModules en ligne, ouverts dès maintenant :\n")
			for _, m := range t.Online {
				b.WriteString("- " + m.Title + "\n")
			}
		}
		if len(t.ToSchedule) > 0 {
			b.WriteString("\nModules en session : choisissez une date pour chacun depuis « Mes formations » :\n")
			for _, m := range t.ToSchedule {
				b.WriteString("- " + m.Title + " : " + base + m.Href() + "\n")
			}
		}
		b.WriteString("\nRetrouvez vos formations : " + mine + signature)
		msg.Body = b.String()
	case KindHeld, KindPromotedHeld:
		a := n.Approval
		var opening string
		msg.Subject, opening = seatOpening(n)
		msg.Body = opening + "\n" +
			"Cette session demande l’accord de votre responsable hiérarchique : nous lui avons écrit à l’adresse " + a.ManagerEmail + ".\n" +
			"Votre place est réservée jusqu’au " + catalogue.ShortDate(a.ExpiresAt) + " à " + catalogue.Clock(a.ExpiresAt) +
			" (heure de Paris). Sans réponse d’ici là, elle sera proposée à la personne suivante de la liste d’attente.\n\n" +
			"Vous recevrez un courriel dès sa réponse. Suivez votre demande : " + mine + signature
	case KindApprovalRequest, KindApprovalReminder:
		// To an address the agent typed: only what the Campus knows for sure (the agent's proven address, the
		// catalogue), nothing the agent wrote.
		a := n.Approval
		link := base + "/accord/" + n.Token
		msg.To = a.ManagerEmail
		msg.Subject = "Demande d’accord pour une formation : " + title
		intro := "Bonjour,\n\nL’agent dont l’adresse professionnelle est " + e.Person.Email +
			" s’est inscrit·e à une formation du Campus du numérique public et vous a désigné·e comme son ou sa responsable hiérarchique. " +
			"La formation a lieu sur le temps de travail : votre accord est nécessaire.\n\n"
		if n.Kind == KindApprovalReminder {
			msg.Subject = "Rappel : demande d’accord pour une formation : " + title
			intro = "Bonjour,\n\nL’agent dont l’adresse professionnelle est " + e.Person.Email +
				" attend toujours votre accord pour suivre une formation du Campus du numérique public.\n\n"
		}
		msg.Body = intro + "Formation : " + title + "\n" + "Présentation : " + base + e.Module.Href() + "\n" + sessionLines(e.Session) + "\n" +
			"Pour donner ou refuser votre accord (avec un message si vous le souhaitez), ouvrez ce lien personnel, valable une seule fois :\n" +
			link + "\n\n" +
			"Sans réponse avant le " + catalogue.ShortDate(a.ExpiresAt) + " à " + catalogue.Clock(a.ExpiresAt) +
			" (heure de Paris), la place réservée sera libérée.\n" +
			"Si vous avez un compte sur le Campus avec cette adresse, vous retrouvez aussi les demandes de votre équipe sur " + base + "/mes-formations/equipe.\n" +
			"Si vous n’êtes pas la personne concernée, ignorez ce courriel : sans réponse, la demande expirera." + signature
	case KindApproved:
		msg.Subject = "Accord obtenu, inscription confirmée : " + title
		msg.Body = hello(e.Person) + "Votre responsable a donné son accord : votre inscription au module « " + title + " » est confirmée.\n\n" +
			managerMessage(n.Approval) + sessionLines(e.Session) + "\n" +
			"Ajoutez-la à votre agenda : " + ics + "\n" +
			"Retrouvez vos formations : " + mine + signature
	case KindRefused:
		msg.Subject = "Accord refusé : " + title
		msg.Body = hello(e.Person) + "Votre responsable n’a pas donné son accord pour le module « " + title + " » (session " +
			catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt) + ") : votre inscription est annulée et la place libérée.\n\n" +
			managerMessage(n.Approval) + "Vous pourrez vous inscrire à une autre session : " + base + e.Module.Href() + signature
	case KindExpired:
		msg.Subject = "Demande expirée : " + title
		msg.Body = hello(e.Person) + "Votre responsable n’a pas répondu à temps à la demande d’accord pour le module « " + title + " » (session " +
			catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt) + ") : la place réservée a été libérée et votre inscription annulée.\n\n" +
			"Parlez-en avec votre responsable, puis inscrivez-vous de nouveau s’il reste des places : " + base + e.Module.Href() + signature
	case KindColdSurvey:
		msg.Subject = "Deux mois après : votre avis sur « " + title + " »"
		msg.Body = hello(e.Person) + "Il y a deux mois, vous avez suivi la formation « " + title + " ».\n\n" +
			"Vous sert-elle dans votre travail ? Deux questions, une minute : " + base + fmt.Sprintf("/mes-formations/%d/avis-a-froid", e.ID) + "\n" +
			"Vos réponses sont anonymes pour les formateurs : ils ne voient que des moyennes d’au moins cinq réponses." + signature
	case KindAbsence:
		msg.Subject = "Absence enregistrée : " + title
		msg.Body = hello(e.Person) + "Votre absence à la session du module « " + title + " » (" +
			catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt) + ") est enregistrée comme excusée, avec la raison que vous avez indiquée.\n\n" +
			"Le délai d’annulation étant passé, votre place reste réservée : si vous pouvez finalement venir, vous serez le ou la bienvenu·e.\n" +
			"Retrouvez vos formations : " + mine + signature
	default:
		msg.Subject = "Votre inscription : " + title
		msg.Body = hello(e.Person) + "Votre inscription au module « " + title + " » a changé : " + StatusLabel(e.Status) + ".\n" +
			"Retrouvez vos formations : " + mine + signature
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
	base := m.Link("")
	roster := fmt.Sprintf("%s/formateur/sessions/%d", base, n.Session.ID)
	title := n.ModuleTitle
	msg := mail.Message{Kind: n.Kind, To: n.Trainer.Email}
	var b strings.Builder
	b.WriteString(hello(n.Trainer))
	switch n.Kind {
	case KindTrainerAssigned:
		msg.Subject = "Une session vous est confiée : " + title
		b.WriteString("Vous animerez la session du module « " + title + " » :\n\n" + sessionLines(n.Session) + "\n" +
			"La liste des inscrits et l’émargement : " + roster + "\n" +
			"Votre espace formateur : " + base + "/formateur")
	case KindTrainerUnassigned:
		msg.Subject = "Session retirée de votre espace : " + title
		b.WriteString("La session du module « " + title + " » ne vous est plus confiée :\n\n" + sessionLines(n.Session) + "\n" +
			"Pour toute question, écrivez à l’équipe du Campus. Votre espace formateur : " + base + "/formateur")
	case KindTrainerChanged:
		msg.Subject = "Session modifiée : " + title
		b.WriteString("La session du module « " + title + " » que vous animez a changé.\n\n")
		for _, c := range n.Changes {
			b.WriteString(c.Label + " :\n  avant : " + c.Before + "\n  désormais : " + c.After + "\n")
		}
		b.WriteString("\nLa liste des inscrits et l’émargement : " + roster)
	}
	msg.Body = b.String() + signature
	return msg
}

// managerMessage quotes the manager's message, if any.
func managerMessage(a Approval) string {
	if a.Message == "" {
		return ""
	}
	return "Message de votre responsable :\n« " + a.Message + " »\n\n"
}

// trackReturn says, for an enrolment made through a track, that its module is to be scheduled again.
func trackReturn(e Enrolment, mine string) string {
	if e.Track.Slug == "" {
		return ""
	}
	return "Ce module de votre parcours « " + e.Track.Title + " » revient dans « À planifier » : " + mine + "\n"
}
