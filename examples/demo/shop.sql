-- The demo shop: a small web shop with accounts, guest checkout, invoices,
-- a blog with revisions, WordPress-style comments, private conversations
-- between customers, an event log and mailing lists.
-- Runs on SQLite, PostgreSQL and MariaDB. The one statement SQLite cannot run
-- (adding the customer → address foreign key afterwards) is the last one;
-- on SQLite that link simply stays undeclared.

CREATE TABLE customer (
    id                    INTEGER PRIMARY KEY,
    user_id               INTEGER NOT NULL UNIQUE,
    email                 VARCHAR(200) NOT NULL,
    name                  VARCHAR(200) NOT NULL,
    phone                 VARCHAR(50),
    default_address_id    INTEGER,
    preferences           JSON,
    processing_restricted BOOLEAN DEFAULT FALSE NOT NULL,
    created_at            TIMESTAMP NULL
);

CREATE TABLE address (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    street      VARCHAR(200) NOT NULL,
    city        VARCHAR(100) NOT NULL,
    postcode    VARCHAR(20)
);

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    customer_id      INTEGER REFERENCES customer (id),
    guest_email      VARCHAR(200),
    shipping_address VARCHAR(300),
    placed_at        TIMESTAMP NULL
);

CREATE TABLE order_item (
    id       INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    product  VARCHAR(200) NOT NULL,
    price    DECIMAL(10, 2) NOT NULL
);

CREATE TABLE invoice (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customer (id),
    issued_at       DATE NOT NULL,
    billing_name    VARCHAR(200) NOT NULL,
    billing_address VARCHAR(300) NOT NULL,
    email           VARCHAR(200),
    total           DECIMAL(10, 2) NOT NULL
);

CREATE TABLE post (
    id         INTEGER PRIMARY KEY,
    author_id  INTEGER NOT NULL REFERENCES customer (id),
    title      VARCHAR(200) NOT NULL,
    body       TEXT,
    deleted_at TIMESTAMP NULL
);

CREATE TABLE revision (
    id        INTEGER PRIMARY KEY,
    post_id   INTEGER NOT NULL REFERENCES post (id),
    body      TEXT,
    edited_at TIMESTAMP NULL
);

-- Like WordPress: the author is a user id with no foreign key, plus the email written at the time.
CREATE TABLE comment (
    id           INTEGER PRIMARY KEY,
    author_id    INTEGER,
    author_email VARCHAR(200),
    body         TEXT,
    parent_id    INTEGER REFERENCES comment (id),
    created_at   TIMESTAMP NULL
);

-- A conversation belongs to both customers: each side's fields are that customer's.
CREATE TABLE conversation (
    id             INTEGER PRIMARY KEY,
    subject        VARCHAR(200) NOT NULL,
    customer_a_id  INTEGER REFERENCES customer (id),
    customer_b_id  INTEGER REFERENCES customer (id),
    a_display_name VARCHAR(100),
    b_display_name VARCHAR(100)
);

CREATE TABLE message (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversation (id),
    sender_id       INTEGER REFERENCES customer (id),
    body            TEXT NOT NULL,
    sent_at         TIMESTAMP NULL
);

CREATE TABLE event_log (
    id      INTEGER PRIMARY KEY,
    kind    VARCHAR(50) NOT NULL,
    payload JSON
);

CREATE TABLE mailing_list (
    id         INTEGER PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    recipients TEXT
);

CREATE TABLE login_event (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    ip      VARCHAR(45),
    at      TIMESTAMP NULL
);

CREATE VIEW customer_summary AS
    SELECT c.id, c.email, c.name,
           (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS order_count
    FROM customer c;

INSERT INTO customer (id, user_id, email, name, phone, default_address_id, preferences, created_at) VALUES
    (1, 1001, 'ann@example.org', 'Ann Example', '+44 20 7946 0001', NULL, '{"newsletter": true, "theme": "dark"}', '2019-04-02 09:00:00'),
    (2, 1002, 'bob@example.com', 'Bob Sample', '+1 555 0102', NULL, '{"newsletter": false, "gift_recipients": ["ann@example.org"]}', '2020-06-11 12:30:00'),
    (3, 1003, 'dan@example.com', 'Dan Other', NULL, NULL, NULL, '2021-01-20 08:15:00');

INSERT INTO address (id, customer_id, street, city, postcode) VALUES
    (11, 1, '1 Acacia Avenue', 'London', 'N1 1AA'),
    (12, 1, '20 Work Street', 'London', 'EC1 2BB'),
    (21, 2, '5 Elm Road', 'Springfield', '12345');

UPDATE customer SET default_address_id = 11 WHERE id = 1;
UPDATE customer SET default_address_id = 21 WHERE id = 2;

INSERT INTO orders (id, customer_id, guest_email, shipping_address, placed_at) VALUES
    (101, 1, NULL, '1 Acacia Avenue, London', '2024-03-01 10:00:00'),
    (102, 1, NULL, '20 Work Street, London', '2024-05-09 16:20:00'),
    (103, NULL, 'ann.old@example.net', '9 Old Road, Leeds', '2018-11-30 19:45:00'),
    (104, NULL, 'ann@example.org', '1 Acacia Avenue, London', '2024-07-14 11:05:00'),
    (201, 2, NULL, '5 Elm Road, Springfield', '2024-02-02 09:00:00'),
    (301, NULL, 'dan@example.com', '7 Side Street, Bristol', '2023-09-09 13:00:00');

INSERT INTO order_item (id, order_id, product, price) VALUES
    (1001, 101, 'Assam tea 250g', 6.50),
    (1002, 101, 'Blue mug', 9.00),
    (1003, 102, 'Teapot', 24.00),
    (1004, 103, 'Green tea 100g', 4.75),
    (1005, 104, 'Tea strainer', 3.20),
    (2001, 201, 'Blue mug', 9.00),
    (3001, 301, 'Assam tea 250g', 6.50);

INSERT INTO invoice (id, customer_id, issued_at, billing_name, billing_address, email, total) VALUES
    (501, 1, '2024-03-01', 'Ann Example', '1 Acacia Avenue, London', 'ann@example.org', 15.50),
    (502, 1, '2010-01-15', 'Ann Example', '9 Old Road, Leeds', 'ann.old@example.net', 20.00),
    (601, 2, '2024-02-02', 'Bob Sample', '5 Elm Road, Springfield', 'bob@example.com', 9.00);

INSERT INTO post (id, author_id, title, body, deleted_at) VALUES
    (31, 1, 'Brewing notes', 'Three minutes, not four.', NULL),
    (32, 1, 'Old draft', 'Never mind.', '2024-01-01 00:00:00'),
    (33, 2, 'Mugs I like', 'Blue ones.', NULL);

INSERT INTO revision (id, post_id, body, edited_at) VALUES
    (311, 31, 'Three minutes.', '2024-02-01 10:00:00'),
    (312, 31, 'Three minutes, not four.', '2024-02-02 10:00:00'),
    (321, 32, 'Never mind.', '2023-12-31 10:00:00'),
    (331, 33, 'Blue ones.', '2024-03-03 10:00:00');

INSERT INTO comment (id, author_id, author_email, body, parent_id, created_at) VALUES
    (41, 1001, 'ann.old@example.net', 'Lovely shop!', NULL, '2019-05-01 10:00:00'),
    (42, 1002, 'bob@example.com', 'Agreed.', 41, '2019-05-02 10:00:00'),
    (43, 1002, 'bob@example.com', 'Ask ann.old@example.net about the green tea.', NULL, '2019-05-03 10:00:00');

INSERT INTO conversation (id, subject, customer_a_id, customer_b_id, a_display_name, b_display_name) VALUES
    (71, 'Swap some tea?', 1, 2, 'Ann E.', 'Bob S.'),
    (72, 'Mugs', 2, 3, 'Bob S.', 'Dan O.');

INSERT INTO message (id, conversation_id, sender_id, body, sent_at) VALUES
    (711, 71, 1, 'Hi Bob, write to me at ann@example.org', '2024-04-01 09:00:00'),
    (712, 71, 2, 'Sure, I will mail ann@example.org tonight.', '2024-04-01 09:05:00'),
    (713, 71, 2, 'Thanks!', '2024-04-01 09:06:00'),
    (721, 72, 3, 'Which mug?', '2024-04-02 09:00:00');

INSERT INTO event_log (id, kind, payload) VALUES
    (81, 'signup', '{"email": "ann@example.org", "source": "ad"}'),
    (82, 'referral', '{"referrer": "bob@example.com", "invited": ["ann@example.org", "dan@example.com"]}'),
    (83, 'signup', '{"email": "bob@example.com", "source": "search"}');

INSERT INTO mailing_list (id, name, recipients) VALUES
    (91, 'Tea club', 'ann@example.org;bob@example.com;dan@example.com'),
    (92, 'Staff', 'eve@example.com');

INSERT INTO login_event (id, user_id, ip, at) VALUES
    (1, 1001, '203.0.113.5', '2024-06-01 08:00:00'),
    (2, 1001, '203.0.113.9', '2024-06-02 08:00:00'),
    (3, 1002, '198.51.100.7', '2024-06-01 09:00:00');

ALTER TABLE customer ADD CONSTRAINT customer_default_address_fk FOREIGN KEY (default_address_id) REFERENCES address (id);
