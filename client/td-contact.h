/* td-contact.h - one colleague as the client sees them (GObject with
 * notify, so rows update themselves).  Also used for ad-hoc groups later. */
#pragma once

#include <gio/gio.h>
#include "td-proto.h"

G_BEGIN_DECLS

#define TD_TYPE_CONTACT (td_contact_get_type ())
G_DECLARE_FINAL_TYPE (TdContact, td_contact, TD, CONTACT, GObject)

/* Properties (all readable, G_PARAM_EXPLICIT_NOTIFY): "login", "name",
 * "department", "title", "presence" (int, TdPresence), "unread" (uint),
 * "last-activity" (int64, ms since epoch of the latest message either way,
 * 0 = never), "last-text" (string, preview of the latest message). */
TdContact  *td_contact_new               (TdUser *user);
const char *td_contact_get_login         (TdContact *self);
const char *td_contact_get_name          (TdContact *self);
const char *td_contact_get_department    (TdContact *self);
const char *td_contact_get_title         (TdContact *self);
TdPresence  td_contact_get_presence      (TdContact *self);
guint       td_contact_get_unread        (TdContact *self);
gint64      td_contact_get_last_activity (TdContact *self);
const char *td_contact_get_last_text     (TdContact *self);
/* TRUE if @query (already case-folded, non-empty) occurs in the name,
 * login or department (case-insensitive, also matches pinyin-free CJK
 * substrings as plain substrings). */
gboolean    td_contact_matches           (TdContact *self, const char *folded_query);

/* Setters used by TdClient; each emits notify only on change. */
void        td_contact_update            (TdContact *self, TdUser *user);
void        td_contact_set_presence      (TdContact *self, TdPresence presence);
void        td_contact_set_unread        (TdContact *self, guint unread);
void        td_contact_set_last          (TdContact *self, gint64 time_ms, const char *text);

/* The translated word for a presence, as the UI shows it ("Available"...). */
const char *td_presence_get_label        (TdPresence presence);

G_END_DECLS
