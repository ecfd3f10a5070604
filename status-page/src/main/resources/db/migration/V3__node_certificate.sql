-- The newest relay certificate each location saw on each node's TLS handshake, so a page-only instance shows every
-- node's certificate expiry (the seed promises renewal 30 days ahead; the page says how many days are left).
CREATE TABLE node_certificate (
    component VARCHAR(64) NOT NULL,
    location  VARCHAR(64) NOT NULL,
    not_after TIMESTAMP   NOT NULL,
    seen_at   TIMESTAMP   NOT NULL,
    PRIMARY KEY (component, location)
);
