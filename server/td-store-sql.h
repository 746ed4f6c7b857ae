/* td-store-sql.h - SQL text both store backends run as it is: the column
 * lists and joins that decide what a row means, kept in one place so the
 * SQLite and PostgreSQL stores read the same columns in the same order
 * (the row readers of both depend on it).  Standard SQL only; a fragment
 * needing a backend's own syntax stays in that backend. */
#pragma once

/* A directory entry: id, login, name, department, title, password hash,
 * role, disabled. */
#define USER_SELECT \
  "SELECT u.id, u.login, u.name, COALESCE (d.name, ''), u.title, u.password_hash," \
  "       u.role, u.disabled" \
  "  FROM users u LEFT JOIN departments d ON d.id = u.department_id "

#define REMINDER_COLUMNS \
  "r.rid, r.kind, r.source, r.title, r.body, r.link, r.category, r.priority, r.time," \
  " r.api_key_id, r.sender_id, r.idempotency_key"

/* A recipient's view: the reminder, then state, until, read. */
#define USER_REMINDER_SELECT \
  "SELECT r.rid, r.kind, r.source, r.title, r.body, r.link, r.category, r.priority, r.time," \
  "       rr.state, rr.until, rr.read" \
  "  FROM reminder_recipients rr JOIN reminders r ON r.rid = rr.rid "

#define API_KEY_SELECT \
  "SELECT k.id, k.name, k.scopes, COALESCE (k.bot_id, 0), b.login, k.created, k.last_used," \
  "       k.revoked" \
  "  FROM api_keys k LEFT JOIN users b ON b.id = k.bot_id "

/* The oldest undelivered, not given up delivery of each enabled webhook:
 * one at a time per webhook keeps each receiver's events in order (a
 * failed head blocks the ones queued after it until it succeeds or is
 * given up). */
#define QUEUE_HEADS \
  "  FROM webhooks w" \
  "  JOIN webhook_deliveries d ON d.id = (SELECT MIN (p.id) FROM webhook_deliveries p" \
  "                                        WHERE p.webhook_id = w.id AND p.delivered = 0" \
  "                                          AND p.given_up = 0)" \
  " WHERE w.disabled = 0 "
