package web

import (
	"context"

	"campus/internal/cache"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	lic "campus/internal/licence"
	"campus/internal/postgres"
	"campus/internal/programme"
)

// catalogueReader is the catalogue as the public pages read it, through the cache: each method declares once
// its key (with the type of its values) and what the value depends on (its tags: cache.Catalogue for what only
// an edit of the catalogue changes, cache.All for what the seats taken change too). The cache drops the values
// when the database announces a change (watch.go), on every instance.
type catalogueReader struct {
	cache *cache.Cache
	store *postgres.Store
}

var (
	domainsKey      = cache.NewKey[[]catalogue.Domain]("domains", cache.Catalogue)
	figuresKey      = cache.NewKey[catalogue.KeyFigures]("figures", cache.All)
	featuredKey     = cache.NewKey[[]catalogue.TrackCard]("featured", cache.Catalogue)
	upcomingKey     = cache.NewKey[[]catalogue.UpcomingSession]("upcoming", cache.All)
	tracksKey       = cache.NewKey[[]catalogue.TrackCard]("tracks", cache.Catalogue)
	programmesKey   = cache.NewKey[[]catalogue.TrackCard]("programmes", cache.Catalogue)
	partnersKey     = cache.NewKey[[]catalogue.Partner]("partners", cache.Catalogue)
	sitemapKey      = cache.NewKey[[]catalogue.SitemapEntry]("sitemap", cache.Catalogue)
	satisfactionKey = cache.NewKey[[]postgres.SurveyRow]("bilan-satisfaction", cache.Catalogue)
	domainKeys      = cache.NewKeys[catalogue.DomainPage]("domain:", cache.Catalogue)
	trackKeys       = cache.NewKeys[catalogue.Track]("track:", cache.Catalogue)
	moduleKeys      = cache.NewKeys[catalogue.Module]("module:", cache.All) // its sessions' seats
	moduleEnrolKeys = cache.NewKeys[catalogue.Module]("module-enrol:", cache.Catalogue)
	partnerKeys     = cache.NewKeys[catalogue.PartnerPage]("partner:", cache.Catalogue)
	searchKeys      = cache.NewKeys[catalogue.SearchResult]("search:", cache.All)
	participantsKey = cache.NewKey[[2]int]("programmes:participants", cache.Catalogue)
	openPoolsKey    = cache.NewKey[[]lic.Pool]("licences:open", cache.Catalogue) // licence_pools announce catalogue changes
)

// upcomingOnHome is how many upcoming sessions the home page shows.
const upcomingOnHome = 6

// Domains are the published domains.
func (c catalogueReader) Domains(ctx context.Context) ([]catalogue.Domain, error) {
	return cache.Load(c.cache, domainsKey, func() ([]catalogue.Domain, error) { return c.store.ListDomains(ctx) })
}

// Figures are the home page's key figures.
func (c catalogueReader) Figures(ctx context.Context) (catalogue.KeyFigures, error) {
	return cache.Load(c.cache, figuresKey, func() (catalogue.KeyFigures, error) { return c.store.KeyFigures(ctx) })
}

// Featured are the tracks the home page puts forward.
func (c catalogueReader) Featured(ctx context.Context) ([]catalogue.TrackCard, error) {
	return cache.Load(c.cache, featuredKey, func() ([]catalogue.TrackCard, error) { return c.store.FeaturedTracks(ctx) })
}

// Upcoming are the next sessions with seats, for the home page.
func (c catalogueReader) Upcoming(ctx context.Context) ([]catalogue.UpcomingSession, error) {
	return cache.Load(c.cache, upcomingKey, func() ([]catalogue.UpcomingSession, error) {
		return c.store.UpcomingSessions(ctx, upcomingOnHome)
	})
}

// Tracks are the published tracks.
func (c catalogueReader) Tracks(ctx context.Context) ([]catalogue.TrackCard, error) {
	return cache.Load(c.cache, tracksKey, func() ([]catalogue.TrackCard, error) { return c.store.Tracks(ctx) })
}

// Programmes are the published tailored programmes.
func (c catalogueReader) Programmes(ctx context.Context) ([]catalogue.TrackCard, error) {
	return cache.Load(c.cache, programmesKey, func() ([]catalogue.TrackCard, error) { return c.store.TailoredProgrammes(ctx) })
}

// ProgrammeParticipants are the participants the published tailored programmes declare, in all and for senior
// executives (the bilan's figures, postgres.ProgrammeParticipants).
func (c catalogueReader) ProgrammeParticipants(ctx context.Context) (all, seniors int, err error) {
	n, err := cache.Load(c.cache, participantsKey, func() ([2]int, error) {
		all, seniors, err := c.store.ProgrammeParticipants(ctx, programme.BilanFilter{})
		return [2]int{all, seniors}, err
	})
	return n[0], n[1], err
}

// OpenLicencePools are the licence pools agents may ask a licence of today.
func (c catalogueReader) OpenLicencePools(ctx context.Context) ([]lic.Pool, error) {
	return cache.Load(c.cache, openPoolsKey, func() ([]lic.Pool, error) { return c.store.OpenLicencePools(ctx) })
}

// Partners are the published partners.
func (c catalogueReader) Partners(ctx context.Context) ([]catalogue.Partner, error) {
	return cache.Load(c.cache, partnersKey, func() ([]catalogue.Partner, error) { return c.store.ListPartners(ctx) })
}

// Sitemap is what the sitemaps list.
func (c catalogueReader) Sitemap(ctx context.Context) ([]catalogue.SitemapEntry, error) {
	return cache.Load(c.cache, sitemapKey, func() ([]catalogue.SitemapEntry, error) { return c.store.Sitemap(ctx) })
}

// Satisfaction is the public results' satisfaction per domain (the surveys just after a training).
func (c catalogueReader) Satisfaction(ctx context.Context) ([]postgres.SurveyRow, error) {
	return cache.Load(c.cache, satisfactionKey, func() ([]postgres.SurveyRow, error) {
		return c.store.SurveyResultsBy(ctx, "domain", postgres.SurveyFilter{Kind: enrolment.SurveyHot})
	})
}

// Domain is a published domain's page.
func (c catalogueReader) Domain(ctx context.Context, slug string) (catalogue.DomainPage, error) {
	return cache.Load(c.cache, domainKeys.Of(slug), func() (catalogue.DomainPage, error) { return c.store.DomainBySlug(ctx, slug) })
}

// Track is a published track's or tailored programme's page.
func (c catalogueReader) Track(ctx context.Context, slug string) (catalogue.Track, error) {
	return cache.Load(c.cache, trackKeys.Of(slug), func() (catalogue.Track, error) { return c.store.TrackBySlug(ctx, slug) })
}

// Module is a published module's page, with its upcoming sessions and their seats.
func (c catalogueReader) Module(ctx context.Context, slug string) (catalogue.Module, error) {
	return cache.Load(c.cache, moduleKeys.Of(slug), func() (catalogue.Module, error) { return c.store.ModuleBySlug(ctx, slug) })
}

// ModuleToEnrol is a module as an enrolment reads it: kept until the catalogue changes, not the seats (the store
// checks the session's state under its lock; every enrolment changes the seats, and reading the module again after
// each was work on a hot session's path).
func (c catalogueReader) ModuleToEnrol(ctx context.Context, slug string) (catalogue.Module, error) {
	return cache.Load(c.cache, moduleEnrolKeys.Of(slug), func() (catalogue.Module, error) { return c.store.ModuleBySlug(ctx, slug) })
}

// Partner is a published partner's page.
func (c catalogueReader) Partner(ctx context.Context, slug string) (catalogue.PartnerPage, error) {
	return cache.Load(c.cache, partnerKeys.Of(slug), func() (catalogue.PartnerPage, error) { return c.store.PartnerBySlug(ctx, slug) })
}

// Search is the results of a search, kept under the search's canonical address with its text folded
// (case, accents, ligatures, spaces: cache.FoldText), one spelling per variant of the entry, so that the
// spellings of one query never take many entries.
func (c catalogueReader) Search(ctx context.Context, q catalogue.SearchQuery) (catalogue.SearchResult, error) {
	folded := q
	folded.Text = cache.FoldText(q.Text)
	return cache.LoadVariant(c.cache, searchKeys.Of(folded.URL("")), q.Text, 0, func() (catalogue.SearchResult, error) {
		return c.store.Search(ctx, q)
	})
}
