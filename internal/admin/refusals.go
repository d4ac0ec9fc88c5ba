package admin

import "campus/internal/apperr"

// The refusals of the back-office's rules, declared once (code, field, French message for the admin; a format
// for those returned through With).
var (
	// Status changes (CheckTransition).
	ErrSameStatus        = &apperr.Refusal{Code: "admin_same_status", Message: "Cet élément est déjà à l’état « %s »."}
	ErrTransition        = &apperr.Refusal{Code: "admin_transition", Message: "Passer de l’état « %s » à l’état « %s » n’est pas possible."}
	ErrRestrictedPublish = &apperr.Refusal{Code: "admin_restricted_publish", Message: "Ce programme est réservé : il reste hors du catalogue public et ne se publie pas. Les comptes de sa liste « Accès réservé » le trouvent sur la page Programmes réservés."}
	ErrDomainFirst       = &apperr.Refusal{Code: "admin_domain_first", Message: "Publiez d’abord le domaine « %s » (il est à l’état « %s »)."}
	ErrPartnerFirst      = &apperr.Refusal{Code: "admin_partner_first", Message: "Publiez d’abord le partenaire « %s » (il est à l’état « %s »)."}
	ErrDomainInUse       = &apperr.Refusal{Code: "admin_domain_in_use", Message: "Ce domaine contient encore %d module(s) et %d parcours publiés : archivez-les ou rattachez-les à un autre domaine d’abord."}
	ErrPartnerInUse      = &apperr.Refusal{Code: "admin_partner_in_use", Message: "Ce partenaire assure encore %d module(s) publiés : archivez-les ou changez leur partenaire d’abord."}
	ErrAudienceInUse     = &apperr.Refusal{Code: "admin_audience_in_use", Message: "Ce public est associé à %d module(s) ou parcours : retirez-le de leurs fiches d’abord."}

	// Saving an entity.
	ErrSlugTaken        = &apperr.Refusal{Code: "admin_slug_taken", Field: "slug", Message: "L’adresse « %s » est déjà utilisée. Choisissez-en une autre."}
	ErrSessionCancelled = &apperr.Refusal{Code: "admin_session_cancelled", Message: "Cette session est annulée : elle ne peut plus être modifiée."}
	ErrOwnAdminRole     = &apperr.Refusal{Code: "admin_own_role", Message: "Vous ne pouvez pas retirer votre propre rôle d’administrateur : un autre administrateur peut le faire."}

	// The modules of a track.
	ErrTrackHasModule      = &apperr.Refusal{Code: "admin_track_has_module", Field: "module", Message: "Ce module fait déjà partie du parcours."}
	ErrTrackArchivedModule = &apperr.Refusal{Code: "admin_track_archived_module", Field: "module", Message: "Ce module est archivé : il ne peut pas être ajouté à un parcours."}
	ErrTrackFirst          = &apperr.Refusal{Code: "admin_track_first", Message: "Ce module est déjà le premier du parcours."}
	ErrTrackLast           = &apperr.Refusal{Code: "admin_track_last", Message: "Ce module est déjà le dernier du parcours."}

	// Imports.
	ErrImportApplied = &apperr.Refusal{Code: "admin_import_applied", Message: "Cet import a déjà été appliqué."}
	ErrImportStale   = &apperr.Refusal{Code: "admin_import_stale", Message: "Le catalogue a changé depuis la simulation : le résultat ne serait plus celui affiché. Relancez la simulation."}
	ErrImportRejects = &apperr.Refusal{Code: "admin_import_rejects", Message: "Cet import ne peut pas être appliqué : corrigez les lignes refusées et relancez la simulation."}
)
