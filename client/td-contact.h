/* td-contact.h - one colleague, or one group conversation, as the client
 * sees them (GObject with notify, so rows update themselves).  A group's
 * login is its address "g:<id>", its name the group's name. */
#pragma once

#include <gio/gio.h>
#include "td-proto.h"

G_BEGIN_DECLS

#define TD_TYPE_CONTACT (td_contact_get_type ())
G_DECLARE_FINAL_TYPE (TdContact, td_contact, TD, CONTACT, GObject)

/* Properties (all readable, G_PARAM_EXPLICIT_NOTIFY): "login", "name",
 * "department", "title", "presence" (int, TdPresence), "unread" (uint),
 * "last-activity" (int64, ms since epoch of the latest message either way,
 * 0 = never), "last-text" (string, preview of the latest message).
 *
 * Role and groups (issue 4): "role" (int, TdRole: user/admin/bot, from the
 * directory), "is-group" (boolean, fixed at construction), "group-kind"
 * (int, TdGroupKind; only meaningful for groups), "owner" (string, login
 * of an ad-hoc group's creator, "" otherwise), "members" (GStrv, sorted
 * logins; NULL for people), "member-count" (uint, 0 for people).
 * For groups, "department" and "title" are "" and "presence" is
 * TD_PRESENCE_OFFLINE (meaningless). */
TdContact  *td_contact_new               (TdUser *user);
/* A contact for a group conversation. */
TdContact  *td_contact_new_group         (TdGroup *group);
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
/* g_utf8_collate_key() of the name, kept until the name changes. */
const char  *td_contact_get_collate_key (TdContact *self);
gboolean    td_contact_matches           (TdContact *self, const char *folded_query);
TdRole      td_contact_get_role          (TdContact *self);
gboolean    td_contact_get_is_group      (TdContact *self);
TdGroupKind td_contact_get_group_kind    (TdContact *self);
const char *td_contact_get_owner         (TdContact *self);
/* NULL-terminated, sorted; NULL for people. */
const char * const *td_contact_get_members (TdContact *self);
guint       td_contact_get_member_count  (TdContact *self);
gboolean    td_contact_has_member        (TdContact *self, const char *login);

/* Setters used by TdClient; each emits notify only on change. */
void        td_contact_update            (TdContact *self, TdUser *user);
/* For a group contact: name, owner, members from a newer TdGroup. */
void        td_contact_update_group      (TdContact *self, TdGroup *group);
void        td_contact_set_presence      (TdContact *self, TdPresence presence);
void        td_contact_set_unread        (TdContact *self, guint unread);
void        td_contact_set_last          (TdContact *self, gint64 time_ms, const char *text);

/* The translated word for a presence, as the UI shows it ("Available"...). */
const char *td_presence_get_label        (TdPresence presence);

G_END_DECLS
