-- +goose Up
-- Who is a public agent, for what only public agents may take (the partners' licences bought by the State):
-- an account signed in with ProConnect (the State's identity federation for public agents), or an account whose
-- confirmed address is of a public-sector mail domain or one of its sub-domains. The admins keep the list
-- (/admin/domaines-publics); it starts with the usual State, education, operator, territorial and hospital ones.
CREATE TABLE public_sector_domains (
    domain     text PRIMARY KEY CHECK (domain ~ '^[a-z0-9-]+(\.[a-z0-9-]+)+$' AND length(domain) <= 253),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO public_sector_domains (domain) VALUES
    -- The State: ministries and their services (every *.gouv.fr), justice, Parliament, courts, authorities.
    ('gouv.fr'), ('justice.fr'), ('assemblee-nationale.fr'), ('senat.fr'), ('conseil-etat.fr'), ('ccomptes.fr'),
    ('cnil.fr'), ('defenseurdesdroits.fr'), ('ars.sante.fr'),
    -- Education: the academies.
    ('ac-aix-marseille.fr'), ('ac-amiens.fr'), ('ac-besancon.fr'), ('ac-bordeaux.fr'), ('ac-clermont.fr'),
    ('ac-corse.fr'), ('ac-creteil.fr'), ('ac-dijon.fr'), ('ac-grenoble.fr'), ('ac-lille.fr'), ('ac-limoges.fr'),
    ('ac-lyon.fr'), ('ac-montpellier.fr'), ('ac-nancy-metz.fr'), ('ac-nantes.fr'), ('ac-nice.fr'),
    ('ac-normandie.fr'), ('ac-orleans-tours.fr'), ('ac-paris.fr'), ('ac-poitiers.fr'), ('ac-reims.fr'),
    ('ac-rennes.fr'), ('ac-strasbourg.fr'), ('ac-toulouse.fr'), ('ac-versailles.fr'), ('ac-guadeloupe.fr'),
    ('ac-martinique.fr'), ('ac-guyane.fr'), ('ac-reunion.fr'), ('ac-mayotte.fr'),
    -- Public operators and social security.
    ('francetravail.fr'), ('urssaf.fr'), ('assurance-maladie.fr'), ('caf.fr'), ('msa.fr'), ('cnrs.fr'),
    ('inria.fr'), ('inserm.fr'), ('insee.fr'), ('ademe.fr'), ('ign.fr'), ('meteo.fr'), ('onf.fr'), ('cnfpt.fr'),
    -- Regions, departments and large cities.
    ('iledefrance.fr'), ('auvergnerhonealpes.fr'), ('laregion.fr'), ('nouvelle-aquitaine.fr'), ('bretagne.bzh'),
    ('hautsdefrance.fr'), ('grandest.fr'), ('paysdelaloire.fr'), ('normandie.fr'), ('maregionsud.fr'),
    ('bourgognefranchecomte.fr'), ('centre-valdeloire.fr'), ('paris.fr'), ('lyon.fr'), ('marseille.fr'),
    ('toulouse.fr'), ('nantes.fr'), ('strasbourg.eu'), ('isere.fr'), ('gironde.fr'), ('lenord.fr'),
    -- Public hospitals.
    ('aphp.fr'), ('ap-hm.fr'), ('chu-lyon.fr'), ('chu-bordeaux.fr'), ('chu-lille.fr'), ('chu-toulouse.fr'),
    ('chu-nantes.fr'), ('chu-rennes.fr'), ('chu-montpellier.fr'), ('chru-strasbourg.fr'), ('ehesp.fr');

-- +goose Down
DROP TABLE public_sector_domains;
