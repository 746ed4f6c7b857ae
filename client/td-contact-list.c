/* td-contact-list.c - the main window's contact list as a GListModel.
 *
 * The whole list, every contact in order and without the search filter,
 * is sorted once and kept ("sorted"); it is sorted again only when a
 * contact or the directory changes (coalesced into one recomputation
 * per main-loop iteration, because a directory update touches every
 * contact at once).  A search scans that order and keeps what matches, so
 * a keystroke costs one linear pass (none of the O(n log n) sorting), and
 * a query that grows scans only the previous matches.
 *
 * The new list is then compared with the shown one by identity: the
 * longest run of items kept in the same order stays, and one
 * items-changed per removed / inserted stretch says what changed, so a
 * list box keeps the rows of the people who still match (narrowing a
 * search only removes rows).  While these signals go out the model shows
 * the new list up to the stretch just reported and the old one after it,
 * as GListModel requires.
 */
#define G_LOG_DOMAIN "td-contact-list"

#include <string.h>

#include <glib/gi18n.h>

#include "td-contact-list.h"
#define G_LOG_DOMAIN "td-contact-list"

#include <string.h>

#include <glib/gi18n.h>

#include "td-contact-list.h"

/* ---- TdDepartment ---- */

struct _TdDepartment
{
  GObject   parent_instance;

  char     *name;
  char     *collate_key;
  guint     online;
  guint     total;
  gboolean  expanded;
  gboolean  is_groups;  /* the Groups section header */
};

G_DEFINE_FINAL_TYPE (TdDepartment, td_department, G_TYPE_OBJECT)

enum {
  DEPT_PROP_0,
  DEPT_PROP_NAME,
  DEPT_PROP_ONLINE,
  DEPT_PROP_TOTAL,
  DEPT_PROP_EXPANDED,
  DEPT_PROP_IS_GROUPS,
  DEPT_N_PROPS
};

static GParamSpec *dept_properties[DEPT_N_PROPS];

static void
td_department_finalize (GObject *object)
{
  TdDepartment *self = TD_DEPARTMENT (object);

  g_free (self->name);
  g_free (self->collate_key);
  G_OBJECT_CLASS (td_department_parent_class)->finalize (object);
}

static void
td_department_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdDepartment *self = TD_DEPARTMENT (object);

  switch (prop_id)
    {
    case DEPT_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case DEPT_PROP_ONLINE:
      g_value_set_uint (value, self->online);
      break;
    case DEPT_PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;
    case DEPT_PROP_EXPANDED:
      g_value_set_boolean (value, self->expanded);
      break;
    case DEPT_PROP_IS_GROUPS:
      g_value_set_boolean (value, self->is_groups);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_department_class_init (TdDepartmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = td_department_finalize;
  object_class->get_property = td_department_get_property;

  dept_properties[DEPT_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  dept_properties[DEPT_PROP_ONLINE] = g_param_spec_uint ("online", NULL, NULL, 0, G_MAXUINT, 0, flags);
  dept_properties[DEPT_PROP_TOTAL] = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, flags);
  dept_properties[DEPT_PROP_EXPANDED] = g_param_spec_boolean ("expanded", NULL, NULL, TRUE, flags);
  dept_properties[DEPT_PROP_IS_GROUPS] = g_param_spec_boolean ("is-groups", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, DEPT_N_PROPS, dept_properties);
}

static void
td_department_init (TdDepartment *self)
{
  self->expanded = TRUE;
}

static TdDepartment *
department_new (const char *name)
{
  TdDepartment *self = g_object_new (TD_TYPE_DEPARTMENT, NULL);

  self->name = g_strdup (name);
  self->collate_key = g_utf8_collate_key (name, -1);
  return self;
}

static void
department_set_counts (TdDepartment *self, guint online, guint total)
{
  if (self->online != online)
    {
      self->online = online;
      g_object_notify_by_pspec (G_OBJECT (self), dept_properties[DEPT_PROP_ONLINE]);
    }
  if (self->total != total)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), dept_properties[DEPT_PROP_TOTAL]);
    }
}

const char *
td_department_get_name (TdDepartment *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT (self), NULL);
  return self->name;
}

guint
td_department_get_online (TdDepartment *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT (self), 0);
  return self->online;
}

guint
td_department_get_total (TdDepartment *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT (self), 0);
  return self->total;
}

gboolean
td_department_get_expanded (TdDepartment *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT (self), FALSE);
  return self->expanded;
}

gboolean
td_department_get_is_groups (TdDepartment *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT (self), FALSE);
  return self->is_groups;
}


/* ---- TdContactList ---- */

typedef struct {
  TdContact    *contact;     /* borrowed: "sorted" goes whenever the model changes */
  TdDepartment *department;  /* grouped mode only */
  const char   *name_key;    /* the contact's, cached by it */
  gboolean      active;      /* online, away or busy */
} Entry;

struct _TdContactList
{
  GObject            parent_instance;

  GListModel        *contacts;
  TdContactListMode  mode;
  char              *filter;         /* as given */
  char              *folded_filter;  /* NULL when not filtering */
  GPtrArray         *items;          /* GObject*: TdDepartment / TdContact, as reported */
  GHashTable        *departments;    /* name -> TdDepartment (stable objects) */
  TdDepartment      *groups;         /* the Groups section header */
  GPtrArray         *watched;        /* TdContact* with our notify handler */
  guint              refresh_id;

  GArray            *sorted;         /* Entry: everyone in order; NULL = sort again */
  GArray            *matches;        /* guint: indexes into sorted matching ... */
  char              *matched_filter; /* ... this folded query */

  /* While refresh() reports a change in several steps the model is
   * next_items[0, next_done) followed by items[old_from, end). */
  GPtrArray         *next_items;
  guint              next_done;
  guint              old_from;
};

static void td_contact_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdContactList, td_contact_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, td_contact_list_model_init))

/* The Groups section first, then departments by name, the people
 * without one last. */
static int
compare_departments (TdDepartment *a, TdDepartment *b)
{
  if (a == b)
    return 0;
  if (a->is_groups)
    return -1;
  if (b->is_groups)
    return 1;
  if (*a->name == '\0')
    return 1;
  if (*b->name == '\0')
    return -1;
  return strcmp (a->collate_key, b->collate_key);
}

static int
compare_people (const Entry *a, const Entry *b)
{
  int cmp;

  if (a->active != b->active)
    return a->active ? -1 : 1;
  cmp = strcmp (a->name_key, b->name_key);
  if (cmp != 0)
    return cmp;
  return strcmp (td_contact_get_login (a->contact), td_contact_get_login (b->contact));
}

/* Department groups before ad-hoc ones, each by name; presence is
 * meaningless for a group. */
static int
compare_groups (const Entry *a, const Entry *b)
{
  TdGroupKind ka = td_contact_get_group_kind (a->contact);
  TdGroupKind kb = td_contact_get_group_kind (b->contact);
  int cmp;

  if (ka != kb)
    return ka == TD_GROUP_DEPARTMENT ? -1 : 1;
  cmp = strcmp (a->name_key, b->name_key);
  if (cmp != 0)
    return cmp;
  return strcmp (td_contact_get_login (a->contact), td_contact_get_login (b->contact));
}

static int
compare_grouped (gconstpointer pa, gconstpointer pb)
{
  const Entry *a = pa;
  const Entry *b = pb;
  int cmp = compare_departments (a->department, b->department);

  if (cmp != 0)
    return cmp;
  return a->department->is_groups ? compare_groups (a, b) : compare_people (a, b);
}

static int
compare_recent (gconstpointer pa, gconstpointer pb)
{
  const Entry *a = pa;
  const Entry *b = pb;
  gint64 ta = td_contact_get_last_activity (a->contact);
  gint64 tb = td_contact_get_last_activity (b->contact);

  if (ta != tb)
    return ta > tb ? -1 : 1;
  return compare_people (a, b);
}

static TdDepartment *
lookup_department (TdContactList *self, const char *name)
{
  TdDepartment *dept = g_hash_table_lookup (self->departments, name);

  if (dept == NULL)
    {
      dept = department_new (name);
      g_hash_table_insert (self->departments, g_strdup (name), dept);
    }
  return dept;
}

/* Something that decides the order changed: sort again next time. */
static void
invalidate_sorted (TdContactList *self)
{
  g_clear_pointer (&self->sorted, g_array_unref);
  g_clear_pointer (&self->matches, g_array_unref);
  g_clear_pointer (&self->matched_filter, g_free);
}

/* Sorts everyone (no filter) and counts the departments, unless that is
 * still valid. */
static void
ensure_sorted (TdContactList *self)
{
  g_autoptr(GHashTable) online = NULL;
  g_autoptr(GHashTable) total = NULL;
  guint n = g_list_model_get_n_items (self->contacts);
  GHashTableIter iter;
  gpointer value;

  if (self->sorted != NULL)
    return;
  online = g_hash_table_new (NULL, NULL);
  total = g_hash_table_new (NULL, NULL);
  self->sorted = g_array_sized_new (FALSE, TRUE, sizeof (Entry), n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (self->contacts, i);
      gboolean is_group = td_contact_get_is_group (contact);
      gboolean active = td_contact_get_presence (contact) != TD_PRESENCE_OFFLINE;
      TdDepartment *dept = NULL;
      Entry entry = { 0, };

      /* The Groups header counts groups with unread messages as "online". */
      if (is_group)
        active = td_contact_get_unread (contact) > 0;
      if (self->mode == TD_CONTACT_LIST_GROUPED)
        {
          dept = is_group ? self->groups : lookup_department (self, td_contact_get_department (contact));
          /* Counts cover everyone, whatever the filter shows. */
          g_hash_table_insert (total, dept,
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (total, dept)) + 1));
          if (active)
            g_hash_table_insert (online, dept,
                                 GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (online, dept)) + 1));
        }
      else if (td_contact_get_last_activity (contact) <= 0)
        continue;

      entry.contact = contact;  /* the model keeps it alive */
      entry.department = dept;
      entry.name_key = td_contact_get_collate_key (contact);
      entry.active = active;
      g_array_append_val (self->sorted, entry);
    }

  g_hash_table_iter_init (&iter, self->departments);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    department_set_counts (value,
                           GPOINTER_TO_UINT (g_hash_table_lookup (online, value)),
                           GPOINTER_TO_UINT (g_hash_table_lookup (total, value)));
  department_set_counts (self->groups,
                         GPOINTER_TO_UINT (g_hash_table_lookup (online, self->groups)),
                         GPOINTER_TO_UINT (g_hash_table_lookup (total, self->groups)));
  g_array_sort (self->sorted, self->mode == TD_CONTACT_LIST_RECENT ? compare_recent : compare_grouped);
}

/* Indexes into self->sorted of the contacts matching the filter, in
 * order.  A query that contains the previous one can only match a subset
 * of what that matched: only those are looked at. */
static GArray *
find_matches (TdContactList *self)
{
  gboolean narrowing = self->matches != NULL && strstr (self->folded_filter, self->matched_filter) != NULL;
  guint candidates = narrowing ? self->matches->len : self->sorted->len;
  GArray *found = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < candidates; i++)
    {
      guint index = narrowing ? g_array_index (self->matches, guint, i) : i;

      if (td_contact_matches (g_array_index (self->sorted, Entry, index).contact, self->folded_filter))
        g_array_append_val (found, index);
    }
  g_clear_pointer (&self->matches, g_array_unref);
  self->matches = g_array_ref (found);
  g_free (self->matched_filter);
  self->matched_filter = g_strdup (self->folded_filter);
  return found;
}

static GPtrArray *
compute_items (TdContactList *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) found = NULL;
  TdDepartment *current = NULL;
  guint n;

  ensure_sorted (self);
  if (self->folded_filter != NULL)
    found = find_matches (self);
  n = found != NULL ? found->len : self->sorted->len;
  for (guint i = 0; i < n; i++)
    {
      Entry *entry = &g_array_index (self->sorted, Entry, found != NULL ? g_array_index (found, guint, i) : i);

      if (self->mode == TD_CONTACT_LIST_RECENT)
        {
          g_ptr_array_add (items, g_object_ref (entry->contact));
          continue;
        }
      if (entry->department != current)
        {
          current = entry->department;
          g_ptr_array_add (items, g_object_ref (current));
        }
      /* While searching everything that matches is shown. */
      if (current->expanded || self->folded_filter != NULL)
        g_ptr_array_add (items, g_object_ref (entry->contact));
    }
  return items;
}

/* The most items @old_items[old_start, old_end) and
 * @new_items[new_start, new_end) have in the same order (each item occurs
 * at most once in a list): pairs of positions (old, new), increasing in
 * both.  A longest increasing subsequence of the old positions, in the
 * order of the new list. */
static GArray *
common_items (GPtrArray *old_items, guint old_start, guint old_end,
              GPtrArray *new_items, guint new_start, guint new_end)
{
  g_autoptr(GHashTable) where = g_hash_table_new (NULL, NULL);
  g_autofree guint *cand_old = g_new (guint, new_end - new_start + 1);
  g_autofree guint *cand_new = g_new (guint, new_end - new_start + 1);
  g_autofree guint *tails = NULL;
  g_autofree gint *prev = NULL;
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
  guint m = 0;
  guint len = 0;

  for (guint i = old_start; i < old_end; i++)
    g_hash_table_insert (where, old_items->pdata[i], GUINT_TO_POINTER (i + 1));
  for (guint j = new_start; j < new_end; j++)
    {
      guint at = GPOINTER_TO_UINT (g_hash_table_lookup (where, new_items->pdata[j]));

      if (at == 0)
        continue;
      cand_old[m] = at - 1;
      cand_new[m] = j;
      m++;
    }
  if (m == 0)
    return pairs;
  tails = g_new (guint, m);
  prev = g_new (gint, m);
  for (guint c = 0; c < m; c++)
    {
      guint lo = 0;
      guint hi = len;

      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;

          if (cand_old[tails[mid]] < cand_old[c])
            lo = mid + 1;
          else
            hi = mid;
        }
      prev[c] = lo > 0 ? (gint) tails[lo - 1] : -1;
      tails[lo] = c;
      if (lo == len)
        len++;
    }
  g_array_set_size (pairs, len);
  for (gint c = (gint) tails[len - 1], k = (gint) len - 1; c >= 0; c = prev[c], k--)
    {
      guint *pair = &g_array_index (pairs, guint, 2 * k);

      pair[0] = cand_old[c];
      pair[1] = cand_new[c];
    }
  return pairs;
}

static void schedule_refresh (TdContactList *self);

/* Recomputes the list and reports what changed: unchanged head and tail
 * aside, every stretch between items that stay is one items-changed. */
static void
refresh (TdContactList *self)
{
  g_autoptr(GPtrArray) new_items = NULL;
  g_autoptr(GPtrArray) old_items = NULL;
  g_autoptr(GArray) kept = NULL;
  guint prefix = 0;
  guint suffix = 0;
  guint old_len;
  guint new_len;
  guint i;
  guint j;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  /* Asked from an items-changed handler while reporting: later. */
  if (self->next_items != NULL)
    {
      schedule_refresh (self);
      return;
    }

  new_items = compute_items (self);
  old_len = self->items->len;
  new_len = new_items->len;
  while (prefix < old_len && prefix < new_len &&
         self->items->pdata[prefix] == new_items->pdata[prefix])
    prefix++;
  while (suffix < old_len - prefix && suffix < new_len - prefix &&
         self->items->pdata[old_len - 1 - suffix] == new_items->pdata[new_len - 1 - suffix])
    suffix++;
  if (prefix + suffix == old_len && prefix + suffix == new_len)
    {
      old_items = g_steal_pointer (&self->items);
      self->items = g_steal_pointer (&new_items);
      return;
    }

  kept = common_items (self->items, prefix, old_len - suffix, new_items, prefix, new_len - suffix);
  /* The unchanged tail ends the last stretch. */
  g_array_set_size (kept, kept->len + 1);
  g_array_index (kept, guint, 2 * (kept->len - 1)) = old_len - suffix;
  g_array_index (kept, guint, 2 * (kept->len - 1) + 1) = new_len - suffix;

  self->next_items = new_items;
  i = prefix;
  j = prefix;
  for (guint k = 0; k < kept->len; k++)
    {
      guint old_at = g_array_index (kept, guint, 2 * k);
      guint new_at = g_array_index (kept, guint, 2 * k + 1);

      if (old_at > i || new_at > j)
        {
          self->next_done = new_at;
          self->old_from = old_at;
          g_list_model_items_changed (G_LIST_MODEL (self), j, old_at - i, new_at - j);
        }
      i = old_at + 1;
      j = new_at + 1;
    }
  self->next_items = NULL;
  old_items = g_steal_pointer (&self->items);
  self->items = g_steal_pointer (&new_items);
}

static gboolean
refresh_idle_cb (gpointer user_data)
{
  TdContactList *self = user_data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (TdContactList *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_full (G_PRIORITY_DEFAULT, refresh_idle_cb, self, NULL);
}

/* One handler per contact (not one per property): connecting tens of
 * thousands of handlers is what building the list costs most. */
static void
contact_notify_cb (TdContact *contact, GParamSpec *pspec, TdContactList *self)
{
  static const char * const watched_properties[] = {
    "presence", "name", "department", "last-activity", "unread",
  };

  for (guint i = 0; i < G_N_ELEMENTS (watched_properties); i++)
    if (g_str_equal (pspec->name, watched_properties[i]))
      {
        invalidate_sorted (self);
        schedule_refresh (self);
        return;
      }
}

static void
unwatch_all (TdContactList *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (self->watched->pdata[i], self);
  g_ptr_array_set_size (self->watched, 0);
}

/* Keeps self->watched in the order of the contact model, so that a change
 * touches only the contacts it names: a directory of 10,000 people
 * arriving one append at a time must not reconnect everyone each time. */
static void
watch_range (TdContactList *self, guint position, guint removed, guint added)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_full (added, NULL);

  for (guint i = 0; i < removed && position + i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (self->watched->pdata[position + i], self);
  if (removed > 0)
    g_ptr_array_remove_range (self->watched, position, MIN (removed, self->watched->len - position));
  for (guint i = 0; i < added; i++)
    {
      TdContact *contact = g_list_model_get_item (self->contacts, position + i);

      g_signal_connect (contact, "notify", G_CALLBACK (contact_notify_cb), self);
      g_ptr_array_add (fresh, contact);
    }
  g_ptr_array_extend_and_steal (self->watched, g_steal_pointer (&fresh));
  /* Appended at the end: move them into place. */
  if (added > 0 && position + added < self->watched->len)
    {
      guint tail = self->watched->len - position - added;
      gpointer *data = self->watched->pdata;
      g_autofree gpointer *moved = g_memdup2 (data + self->watched->len - added, added * sizeof (gpointer));

      memmove (data + position + added, data + position, tail * sizeof (gpointer));
      memcpy (data + position, moved, added * sizeof (gpointer));
    }
}

static void
watch_all (TdContactList *self)
{
  unwatch_all (self);
  watch_range (self, 0, 0, g_list_model_get_n_items (self->contacts));
}

static void
contacts_changed_cb (GListModel *model, guint position, guint removed, guint added,
                     TdContactList *self)
{
  watch_range (self, position, removed, added);
  /* "sorted" borrows the contacts: a removed one may be gone already. */
  invalidate_sorted (self);
  schedule_refresh (self);
}

/* ---- GListModel ---- */

static GType
td_contact_list_get_item_type (GListModel *model)
{
  return G_TYPE_OBJECT;
}

static guint
td_contact_list_get_n_items (GListModel *model)
{
  TdContactList *self = TD_CONTACT_LIST (model);

  if (self->next_items != NULL)
    return self->next_done + self->items->len - self->old_from;
  return self->items->len;
}

static gpointer
td_contact_list_get_item (GListModel *model, guint position)
{
  TdContactList *self = TD_CONTACT_LIST (model);

  if (position >= td_contact_list_get_n_items (model))
    return NULL;
  if (self->next_items == NULL)
    return g_object_ref (self->items->pdata[position]);
  if (position < self->next_done)
    return g_object_ref (self->next_items->pdata[position]);
  return g_object_ref (self->items->pdata[self->old_from + position - self->next_done]);
}

static void
td_contact_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = td_contact_list_get_item_type;
  iface->get_n_items = td_contact_list_get_n_items;
  iface->get_item = td_contact_list_get_item;
}

/* ---- GObject ---- */

static void
td_contact_list_dispose (GObject *object)
{
  TdContactList *self = TD_CONTACT_LIST (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->watched != NULL)
    unwatch_all (self);
  if (self->contacts != NULL)
    g_signal_handlers_disconnect_by_data (self->contacts, self);
  invalidate_sorted (self);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (td_contact_list_parent_class)->dispose (object);
}

static void
td_contact_list_finalize (GObject *object)
{
  TdContactList *self = TD_CONTACT_LIST (object);

  g_free (self->filter);
  g_free (self->folded_filter);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->watched);
  g_hash_table_unref (self->departments);
  g_object_unref (self->groups);

  G_OBJECT_CLASS (td_contact_list_parent_class)->finalize (object);
}

static void
td_contact_list_class_init (TdContactListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_contact_list_dispose;
  object_class->finalize = td_contact_list_finalize;
}

static void
td_contact_list_init (TdContactList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->departments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->filter = g_strdup ("");
  self->groups = department_new (_("Groups"));
  self->groups->is_groups = TRUE;
}

TdContactList *
td_contact_list_new (GListModel *contacts, TdContactListMode mode)
{
  TdContactList *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (contacts), NULL);

  self = g_object_new (TD_TYPE_CONTACT_LIST, NULL);
  self->contacts = g_object_ref (contacts);
  self->mode = mode;
  g_signal_connect (contacts, "items-changed", G_CALLBACK (contacts_changed_cb), self);
  watch_all (self);
  refresh (self);
  return self;
}

void
td_contact_list_set_filter (TdContactList *self, const char *query)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (TD_IS_CONTACT_LIST (self));

  if (query == NULL)
    query = "";
  if (g_strcmp0 (self->filter, query) == 0)
    return;
  g_free (self->filter);
  self->filter = g_strdup (query);
  g_clear_pointer (&self->folded_filter, g_free);
  stripped = g_strstrip (g_strdup (query));
  if (*stripped != '\0')
    self->folded_filter = g_utf8_casefold (stripped, -1);
  refresh (self);
}

const char *
td_contact_list_get_filter (TdContactList *self)
{
  g_return_val_if_fail (TD_IS_CONTACT_LIST (self), NULL);
  return self->filter;
}

static void
set_section_expanded (TdContactList *self, TdDepartment *dept, gboolean expanded)
{
  expanded = !!expanded;
  if (dept->expanded == expanded)
    return;
  dept->expanded = expanded;
  g_object_notify_by_pspec (G_OBJECT (dept), dept_properties[DEPT_PROP_EXPANDED]);
  refresh (self);
}

void
td_contact_list_set_expanded (TdContactList *self, const char *department, gboolean expanded)
{
  TdDepartment *dept;

  g_return_if_fail (TD_IS_CONTACT_LIST (self));

  dept = lookup_department (self, department ? department : "");
  set_section_expanded (self, dept, expanded);
}

void
td_contact_list_set_groups_expanded (TdContactList *self, gboolean expanded)
{
  g_return_if_fail (TD_IS_CONTACT_LIST (self));

  set_section_expanded (self, self->groups, expanded);
}

void
td_contact_list_set_section_expanded (TdContactList *self, TdDepartment *section,
                                      gboolean expanded)
{
  g_return_if_fail (TD_IS_CONTACT_LIST (self));
  g_return_if_fail (TD_IS_DEPARTMENT (section));

  if (section->is_groups)
    set_section_expanded (self, self->groups, expanded);
  else
    set_section_expanded (self, lookup_department (self, section->name), expanded);
}

gint
td_contact_list_find (TdContactList *self, const char *login)
{
  g_return_val_if_fail (TD_IS_CONTACT_LIST (self), -1);
  g_return_val_if_fail (login != NULL, -1);

  for (guint i = 0; i < self->items->len; i++)
    if (TD_IS_CONTACT (self->items->pdata[i]) &&
        g_str_equal (td_contact_get_login (self->items->pdata[i]), login))
      return (gint) i;
  return -1;
}
