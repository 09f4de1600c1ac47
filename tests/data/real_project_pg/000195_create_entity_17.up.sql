-- entity_17: the base table; comments may hold semicolons; like this one
/* and block comments; too:
   CREATE TABLE not_really (x int); */
CREATE TABLE entity_17 (
    id          bigserial PRIMARY KEY,
    public_id   uuid NOT NULL DEFAULT uuid_generate_v4(),
    name        text NOT NULL CHECK (name <> ''),
    email       citext,
    attrs       hstore NOT NULL DEFAULT ''::hstore,
    path        ltree,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX entity_17_public_id_key ON entity_17 (public_id);
