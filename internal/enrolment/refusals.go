package enrolment

import "campus/internal/apperr"

// The refusals of the enrolment rules, declared once: what rule said no (Code), the form field when the enrolment
// form has one for it (Field), and what the user reads (Message; a format for those returned through With).
// Several refusals may share a code: errors.Is(err, ErrX) holds for any refusal with ErrX's code.
var (
	ErrTransition = &apperr.Refusal{Code: CodeTransition, Message: "Impossible de passer une inscription de « %s » à « %s »."}

	// Opening of modules, sessions and tracks.
	ErrModuleArchived     = &apperr.Refusal{Code: CodeModuleArchived, Message: "Ce module n’est plus proposé par le Campus : les inscriptions sont closes."}
	ErrModuleUnpublished  = &apperr.Refusal{Code: CodeModuleClosed, Message: "Ce module n’est pas encore publié : les inscriptions ne sont pas ouvertes."}
	ErrModuleClosed       = &apperr.Refusal{Code: CodeModuleClosed, Message: "Ce module n’est pas ouvert aux inscriptions."}
	ErrDomainComing       = &apperr.Refusal{Code: CodeDomainComing, Message: "Le domaine « %s » est annoncé mais pas encore ouvert : les inscriptions à ce module ouvriront avec lui."}
	ErrSessionCancelled   = &apperr.Refusal{Code: CodeSessionCancelled, Field: "session", Message: "Cette session a été annulée : choisissez une autre date."}
	ErrSessionStarted     = &apperr.Refusal{Code: CodeSessionStarted, Field: "session", Message: "Cette session a déjà commencé ou est passée : les inscriptions sont closes. Choisissez une session à venir."}
	ErrSessionUnknown     = &apperr.Refusal{Code: CodeSessionUnknown, Field: "session", Message: "Cette session n’existe pas : choisissez une des sessions proposées."}
	ErrNotDated           = &apperr.Refusal{Code: CodeNotDated, Message: "Ce module se suit en ligne, à votre rythme : il n’a pas de session."}
	ErrDated              = &apperr.Refusal{Code: CodeDated, Message: "Ce module se suit en session : choisissez une date parmi les sessions proposées."}
	ErrOtherSession       = &apperr.Refusal{Code: CodeOtherSession, Message: "Vous avez déjà une place confirmée pour ce module, à la session %s. Pour changer de date, annulez d’abord cette inscription depuis « Mes formations »."}
	ErrAlreadyCompleted   = &apperr.Refusal{Code: CodeAlreadyFollowing, Message: "Vous avez déjà terminé ce module : son attestation est dans « Mes formations »."}
	ErrNotVerified        = &apperr.Refusal{Code: CodeNotVerified, Message: "Confirmez d’abord votre adresse électronique (ouvrez le lien reçu par courriel, ou demandez-en un nouveau depuis « Mon compte ») : les confirmations d’inscription y sont envoyées."}
	ErrTrackTailored      = &apperr.Refusal{Code: CodeTrackTailored, Message: "Ce programme sur mesure est réservé aux agents de « %s » : l’inscription se fait avec votre administration. Vous pouvez vous inscrire module par module."}
	ErrTrackClosed        = &apperr.Refusal{Code: CodeTrackClosed, Message: "Ce parcours n’est pas ouvert aux inscriptions."}
	ErrTrackNoOpenModule  = &apperr.Refusal{Code: CodeTrackClosed, Message: "Aucun module de ce parcours n’est ouvert aux inscriptions pour le moment."}
	ErrTrackDomainComing  = &apperr.Refusal{Code: CodeDomainComing, Message: "Le domaine « %s » est annoncé mais pas encore ouvert : les inscriptions à ce parcours ouvriront avec lui."}
	ErrTrackNothingNew    = &apperr.Refusal{Code: CodeTrackNothingNew, Message: "Vous êtes déjà inscrit·e à tous les modules ouverts de ce parcours : retrouvez-les dans « Mes formations »."}
	ErrManagerRequired    = &apperr.Refusal{Code: CodeManagerRequired, Field: "responsable", Message: "Cette session demande l’accord de votre responsable hiérarchique : indiquez son adresse électronique professionnelle."}
	ErrManagerInvalid     = &apperr.Refusal{Code: CodeManagerInvalid, Field: "responsable", Message: "L’adresse de votre responsable n’est pas valide : saisissez une adresse de la forme prenom.nom@administration.gouv.fr."}
	ErrManagerIsAgent     = &apperr.Refusal{Code: CodeManagerInvalid, Field: "responsable", Message: "Indiquez l’adresse de votre responsable hiérarchique, pas la vôtre : c’est lui ou elle qui donne son accord."}
	ErrCapacityInvalid    = &apperr.Refusal{Code: CodeCapacityInvalid, Message: "La capacité doit être comprise entre 1 et %d places."}
	ErrCapacityBelowTaken = &apperr.Refusal{Code: CodeCapacityBelowTaken, Message: "Impossible de réduire la capacité à %d places : %d personnes ont déjà une place confirmée. " +
		"Annulez d’abord des inscriptions ou choisissez au moins %d places."}

	// Cancellations, by the agent or the back-office.
	ErrNotCancellable          = &apperr.Refusal{Code: CodeNotCancellable, Message: "Cette inscription ne peut plus être annulée (statut : %s)."}
	ErrCancelStarted           = &apperr.Refusal{Code: CodeSessionStarted, Message: "La session a déjà commencé : l’inscription ne peut plus être annulée."}
	ErrCutoff                  = &apperr.Refusal{Code: CodeCutoff, Message: "L’annulation en ligne était possible jusqu’au %s, 24 heures avant le début. Si vous ne pouvez pas venir, prévenez l’équipe du Campus pour que votre place profite à une autre personne."}
	ErrSessionAlreadyCancelled = &apperr.Refusal{Code: CodeSessionCancelled, Message: "Cette session est déjà annulée."}
	ErrSessionCancelStarted    = &apperr.Refusal{Code: CodeSessionStarted, Message: "Cette session a déjà commencé : elle ne peut plus être annulée."}

	// Managers' approvals.
	ErrApprovalDecided = &apperr.Refusal{Code: CodeApprovalDone, Message: "Cette demande a déjà été traitée (%s) : il n’y a plus rien à décider."}
	ErrApprovalNotHeld = &apperr.Refusal{Code: CodeApprovalDone, Message: "Cette demande n’attend plus de réponse (inscription : %s)."}
	ErrApprovalExpired = &apperr.Refusal{Code: CodeApprovalExpired, Message: "Le délai de réponse a expiré le %s à %s : la place a été libérée. L’agent peut s’inscrire de nouveau s’il reste des places."}
	ErrApprovalTooLong = &apperr.Refusal{Code: CodeManagerInvalid, Field: "message", Message: "Le message est trop long (%d caractères) : %d au plus."}

	// Attendance, completion and absences.
	ErrNotASession      = &apperr.Refusal{Code: CodeNotASession, Message: "La présence ne se note que pour une session datée."}
	ErrAttendanceEarly  = &apperr.Refusal{Code: CodeAttendanceEarly, Message: "La présence se note une fois la session commencée."}
	ErrSlotEarly        = &apperr.Refusal{Code: CodeAttendanceEarly, Message: "La présence du %s se note à partir de ce jour-là."}
	ErrAttendanceStatus = &apperr.Refusal{Code: CodeTransition, Message: "La présence ne se note que pour une place confirmée (statut : %s)."}
	ErrNotOnline        = &apperr.Refusal{Code: CodeNotOnline, Message: "L’achèvement ne se note que pour un module en ligne ; pour une session, notez la présence."}
	ErrAbsenceNotSeat   = &apperr.Refusal{Code: CodeAbsence, Message: "Une absence se signale pour une place dans une session (statut : %s)."}
	ErrAbsenceStarted   = &apperr.Refusal{Code: CodeSessionStarted, Message: "La session a commencé : prévenez directement le formateur ou l’équipe du Campus."}
	ErrAbsenceRecorded  = &apperr.Refusal{Code: CodeAbsence, Message: "Votre présence à cette session est déjà notée (%s) : si elle est inexacte, écrivez à l’équipe du Campus."}
	ErrAbsenceDeclared  = &apperr.Refusal{Code: CodeAbsence, Message: "Votre absence est déjà signalée pour cette session."}
	ErrAbsenceNoReason  = &apperr.Refusal{Code: CodeAbsence, Message: "Indiquez la raison de votre absence."}
	ErrAbsenceTooLong   = &apperr.Refusal{Code: CodeAbsence, Message: "La raison est trop longue (%d caractères) : %d au plus."}
	ErrAbsenceChanged   = &apperr.Refusal{Code: CodeAbsence, Message: "Votre inscription a changé entre-temps : rechargez la page."}

	// Surveys.
	ErrSurveyNotFollowed = &apperr.Refusal{Code: CodeSurvey, Message: "Le questionnaire s’ouvre une fois la formation suivie."}
	ErrSurveyColdEarly   = &apperr.Refusal{Code: CodeSurvey, Message: "Le questionnaire « à froid » s’ouvre %d jours après la formation."}
	ErrSurveyUnknown     = &apperr.Refusal{Code: CodeSurvey, Message: "Questionnaire inconnu."}
	ErrSurveyMarks       = &apperr.Refusal{Code: CodeSurvey, Message: "Choisissez une note de 1 à 5 pour chaque question."}
	ErrSurveyTooLong     = &apperr.Refusal{Code: CodeSurvey, Message: "Le commentaire est trop long : %d caractères au plus."}
	ErrSurveyAnswered    = &apperr.Refusal{Code: CodeSurvey, Message: "Vous avez déjà répondu à ce questionnaire : merci !"}
)
