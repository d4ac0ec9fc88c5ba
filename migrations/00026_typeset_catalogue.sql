-- +goose Up
-- French typography in the catalogue's stored prose, as catalogue.Typeset writes it: curly apostrophe, no-break
-- space (U+00A0) inside « » and before a colon, narrow no-break space (U+202F) before ; ? and !. The seed's texts
-- are typeset and the back-office typesets what admins type (internal/admin's prose fields); a deployment seeded
-- before that keeps straight apostrophes and plain spaces, which this brings to the texts of a fresh seed.
--
-- campus_typeset mirrors catalogue.Typeset (strings.NewReplacer, leftmost-first): the nested replace() calls
-- go in the same order, and since only "« " ends with a character another pattern starts with (the space),
-- replacing it first consumes that space in both ("« :" gives "« :", not a second replacement).
-- TestTypeset_SQLMatchesGo compares both on tricky inputs.
--
-- Only rows that change are written (a fresh seed writes none): their statement-level triggers rebuild the search
-- documents of those rows and announce one "catalogue" change; no version, updated_at or audit entry moves, as the
-- text a reader sees is the same. Slugs, addresses of web pages, keywords, people's names and what requesters
-- typed about themselves (administration, contact) are not prose and are left as they are.
CREATE FUNCTION campus_typeset(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(replace(replace(replace(replace(replace(s,
        '''', chr(8217)),
        '« ', '«' || chr(160)), ' »', chr(160) || '»'),
        ' :', chr(160) || ':'),
        ' ;', chr(8239) || ';'), ' ?', chr(8239) || '?'), ' !', chr(8239) || '!');

CREATE FUNCTION campus_typeset(s text[]) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(SELECT campus_typeset(x) FROM unnest(s) WITH ORDINALITY AS u (x, n) ORDER BY n);

UPDATE domains SET title = campus_typeset(title), summary = campus_typeset(summary), description = campus_typeset(description)
    WHERE (title, summary, description) IS DISTINCT FROM (campus_typeset(title), campus_typeset(summary), campus_typeset(description));

UPDATE partners SET name = campus_typeset(name), short_name = campus_typeset(short_name), summary = campus_typeset(summary),
        description = campus_typeset(description)
    WHERE (name, short_name, summary, description) IS DISTINCT FROM
          (campus_typeset(name), campus_typeset(short_name), campus_typeset(summary), campus_typeset(description));

UPDATE audiences SET label = campus_typeset(label), description = campus_typeset(description)
    WHERE (label, description) IS DISTINCT FROM (campus_typeset(label), campus_typeset(description));

UPDATE modules SET title = campus_typeset(title), summary = campus_typeset(summary), objectives = campus_typeset(objectives),
        outline = campus_typeset(outline), prerequisites = campus_typeset(prerequisites)
    WHERE (title, summary, objectives, outline, prerequisites) IS DISTINCT FROM
          (campus_typeset(title), campus_typeset(summary), campus_typeset(objectives), campus_typeset(outline), campus_typeset(prerequisites));

UPDATE tracks SET title = campus_typeset(title), summary = campus_typeset(summary), description = campus_typeset(description)
    WHERE (title, summary, description) IS DISTINCT FROM (campus_typeset(title), campus_typeset(summary), campus_typeset(description));

UPDATE module_sessions SET place_name = campus_typeset(place_name), address = campus_typeset(address), city = campus_typeset(city)
    WHERE (place_name, address, city) IS DISTINCT FROM (campus_typeset(place_name), campus_typeset(address), campus_typeset(city));

UPDATE licence_pools SET name = campus_typeset(name), description = campus_typeset(description)
    WHERE (name, description) IS DISTINCT FROM (campus_typeset(name), campus_typeset(description));

UPDATE licence_grants SET label = campus_typeset(label) WHERE label IS DISTINCT FROM campus_typeset(label);

UPDATE programme_requests SET proposal_title = campus_typeset(proposal_title), proposal = campus_typeset(proposal)
    WHERE (proposal_title, proposal) IS DISTINCT FROM (campus_typeset(proposal_title), campus_typeset(proposal));

-- +goose Down
-- Typography is not undone (which apostrophe or space was typed is not known any more): the texts stay typeset,
-- only the functions go.
DROP FUNCTION campus_typeset(text[]);
DROP FUNCTION campus_typeset(text);
