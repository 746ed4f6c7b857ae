/* test-contact-list.c - TdContactList without a server or a display:
 * grouping, ordering, department counts, collapsing, filtering, the
 * recent view, and that every items-changed names the right positions
 * (a mirror list fed only by the signals must equal the model, and items
 * the model reports while it signals are checked against it).  Also the
 * minimal updates a list box relies on (a narrowing search only removes,
 * a move touches one item) and TdLazyList. */
#define G_LOG_DOMAIN "test-contact-list"

#include <locale.h>
#include <string.h>

#include "td-contact-list.h"
#include "td-lazy-list.h"

typedef struct {
  GListStore    *store;
  TdContactList *list;
  GPtrArray     *mirror;   /* kept only from items-changed */
  guint          signals;
  guint          removed;  /* items removed / added, summed over the signals */
  guint          added;
} Fixture;

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, Fixture *fx)
{
  g_assert_cmpuint (position + removed, <=, fx->mirror->len);
  g_assert_true (removed > 0 || added > 0);
  g_ptr_array_remove_range (fx->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (fx->mirror, position + i, g_list_model_get_item (model, position + i));
  g_assert_cmpuint (fx->mirror->len, ==, g_list_model_get_n_items (model));
  /* Mid-way through a change reported in steps, the model already is
   * what the signals so far describe, everywhere. */
  for (guint i = 0; i < fx->mirror->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_assert_true (item == fx->mirror->pdata[i]);
    }
  fx->signals++;
  fx->removed += removed;
  fx->added += added;
}

static TdContact *
add_contact (GListStore *store, const char *login, const char *name, const char *dept,
             TdPresence presence)
{
  g_autoptr(TdUser) user = td_user_new (login, name, dept, NULL, presence);
  g_autoptr(TdContact) contact = td_contact_new (user);

  g_list_store_append (store, contact);
  return contact;  /* the store holds it */
}

static TdContact *
find_contact (Fixture *fx, const char *login)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fx->store)); i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (G_LIST_MODEL (fx->store), i);

      if (g_str_equal (td_contact_get_login (contact), login))
        return contact;
    }
  g_assert_not_reached ();
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
start (Fixture *fx, TdContactListMode mode)
{
  fx->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  fx->list = td_contact_list_new (G_LIST_MODEL (fx->store), mode);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fx->list)); i++)
    g_ptr_array_add (fx->mirror, g_list_model_get_item (G_LIST_MODEL (fx->list), i));
  g_signal_connect (fx->list, "items-changed", G_CALLBACK (items_changed_cb), fx);
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  fx->store = g_list_store_new (TD_TYPE_CONTACT);
  add_contact (fx->store, "bob", "Bob Jones", "Engineering", TD_PRESENCE_OFFLINE);
  add_contact (fx->store, "zed", "zed lower", "Engineering", TD_PRESENCE_AWAY);
  add_contact (fx->store, "alice", "Alice Smith", "Engineering", TD_PRESENCE_ONLINE);
  add_contact (fx->store, "li.wang", "王立", "财务部", TD_PRESENCE_OFFLINE);
  add_contact (fx->store, "wang.fang", "王芳", "财务部", TD_PRESENCE_ONLINE);
  add_contact (fx->store, "eve", "Eve Nobody", "", TD_PRESENCE_OFFLINE);
  add_contact (fx->store, "carol", "Carol White", "Sales", TD_PRESENCE_OFFLINE);
  add_contact (fx->store, "dave", "Dave Brown", "Sales", TD_PRESENCE_BUSY);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->list);
  g_clear_pointer (&fx->mirror, g_ptr_array_unref);
  g_clear_object (&fx->store);
}

/* "#Dept(online/total)" for a header, the login for a person. */
static char *
describe (GListModel *model, GPtrArray *items)
{
  GString *out = g_string_new (NULL);
  guint n = items ? items->len : g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = items ? g_object_ref (items->pdata[i]) : g_list_model_get_item (model, i);

      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (TD_IS_DEPARTMENT (item))
        g_string_append_printf (out, "#%s(%u/%u)", td_department_get_name (TD_DEPARTMENT (item)),
                                td_department_get_online (TD_DEPARTMENT (item)),
                                td_department_get_total (TD_DEPARTMENT (item)));
      else
        g_string_append (out, td_contact_get_login (TD_CONTACT (item)));
    }
  return g_string_free (out, FALSE);
}

static void
check (Fixture *fx, const char *expected)
{
  g_autofree char *actual = describe (G_LIST_MODEL (fx->list), NULL);
  g_autofree char *mirrored = describe (NULL, fx->mirror);

  g_assert_cmpstr (actual, ==, expected);
  g_assert_cmpstr (mirrored, ==, expected);
}

/* The three departments in g_utf8_collate order, then the unnamed one. */
static char *
grouped (const char *engineering, const char *sales, const char *finance, const char *none)
{
  const char *names[] = { "Engineering", "Sales", "财务部" };
  const char *parts[] = { engineering, sales, finance };
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < 3; i++)
    for (guint j = i + 1; j < 3; j++)
      if (g_utf8_collate (names[j], names[i]) < 0)
        {
          const char *t = names[i];
          names[i] = names[j];
          names[j] = t;
          t = parts[i];
          parts[i] = parts[j];
          parts[j] = t;
        }
  for (guint i = 0; i < 3; i++)
    if (parts[i] != NULL)
      g_string_append_printf (out, "%s%s", out->len ? " " : "", parts[i]);
  if (none != NULL)
    g_string_append_printf (out, "%s%s", out->len ? " " : "", none);
  return g_strdup (out->str);
}

static void
test_grouped (Fixture *fx, gconstpointer data)
{
  g_autofree char *initial = NULL;
  g_autofree char *bob_online = NULL;
  g_autofree char *sales_collapsed = NULL;
  g_autofree char *dave_offline = NULL;

  start (fx, TD_CONTACT_LIST_GROUPED);
  initial = grouped ("#Engineering(2/3) alice zed bob", "#Sales(1/2) dave carol",
                     "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
  check (fx, initial);
  g_assert_cmpint (td_contact_list_find (fx->list, "eve"), ==,
                   (gint) g_list_model_get_n_items (G_LIST_MODEL (fx->list)) - 1);
  g_assert_cmpint (td_contact_list_find (fx->list, "nobody"), ==, -1);

  /* Presence: bob comes online, moves up, the count follows. */
  td_contact_set_presence (find_contact (fx, "bob"), TD_PRESENCE_ONLINE);
  iterate ();
  bob_online = grouped ("#Engineering(3/3) alice bob zed", "#Sales(1/2) dave carol",
                        "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
  check (fx, bob_online);

  /* Several changes in one iteration are one update (none before the
   * main loop runs), and it moves one row: the others stay. */
  fx->signals = fx->removed = fx->added = 0;
  td_contact_set_presence (find_contact (fx, "dave"), TD_PRESENCE_OFFLINE);
  td_contact_set_presence (find_contact (fx, "carol"), TD_PRESENCE_ONLINE);
  g_assert_cmpuint (fx->signals, ==, 0);
  iterate ();
  g_assert_cmpuint (fx->removed, ==, 1);
  g_assert_cmpuint (fx->added, ==, 1);
  dave_offline = grouped ("#Engineering(3/3) alice bob zed", "#Sales(1/2) carol dave",
                          "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
  check (fx, dave_offline);

  /* A change that moves nothing emits nothing. */
  fx->signals = 0;
  td_contact_set_presence (find_contact (fx, "bob"), TD_PRESENCE_AWAY);
  iterate ();
  g_assert_cmpuint (fx->signals, ==, 0);

  /* Collapse and expand. */
  td_contact_list_set_expanded (fx->list, "Sales", FALSE);
  sales_collapsed = grouped ("#Engineering(3/3) alice bob zed", "#Sales(1/2)",
                             "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
  check (fx, sales_collapsed);
  td_contact_list_set_expanded (fx->list, "Sales", TRUE);
  check (fx, dave_offline);

  /* Contacts added and removed in the underlying model. */
  add_contact (fx->store, "frank", "Frank Able", "Sales", TD_PRESENCE_ONLINE);
  iterate ();
  {
    g_autofree char *with_frank = grouped ("#Engineering(3/3) alice bob zed",
                                           "#Sales(2/3) carol frank dave",
                                           "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
    check (fx, with_frank);
  }
  g_list_store_remove (fx->store, g_list_model_get_n_items (G_LIST_MODEL (fx->store)) - 1);
  iterate ();
  check (fx, dave_offline);
}

static void
test_filter (Fixture *fx, gconstpointer data)
{
  g_autofree char *engineering = NULL;
  g_autofree char *initial = NULL;

  start (fx, TD_CONTACT_LIST_GROUPED);
  initial = grouped ("#Engineering(2/3) alice zed bob", "#Sales(1/2) dave carol",
                     "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");

  td_contact_list_set_filter (fx->list, "王");
  check (fx, "#财务部(1/2) wang.fang li.wang");
  g_assert_cmpstr (td_contact_list_get_filter (fx->list), ==, "王");
  td_contact_list_set_filter (fx->list, "芳");
  check (fx, "#财务部(1/2) wang.fang");
  td_contact_list_set_filter (fx->list, "DAVE");       /* name, any case */
  check (fx, "#Sales(1/2) dave");
  td_contact_list_set_filter (fx->list, "li.w");       /* login */
  check (fx, "#财务部(1/2) li.wang");
  td_contact_list_set_filter (fx->list, "财务");       /* department */
  check (fx, "#财务部(1/2) wang.fang li.wang");
  td_contact_list_set_filter (fx->list, "engin");
  check (fx, "#Engineering(2/3) alice zed bob");
  td_contact_list_set_filter (fx->list, "xyzzy");
  check (fx, "");

  /* A collapsed department still shows its matches while searching. */
  td_contact_list_set_filter (fx->list, "");
  td_contact_list_set_expanded (fx->list, "Engineering", FALSE);
  td_contact_list_set_filter (fx->list, "smith");
  check (fx, "#Engineering(2/3) alice");
  td_contact_list_set_filter (fx->list, NULL);
  engineering = grouped ("#Engineering(2/3)", "#Sales(1/2) dave carol",
                         "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
  check (fx, engineering);
  td_contact_list_set_expanded (fx->list, "Engineering", TRUE);
  check (fx, initial);

  /* Counts follow presence while filtering too. */
  td_contact_list_set_filter (fx->list, "王");
  td_contact_set_presence (find_contact (fx, "li.wang"), TD_PRESENCE_BUSY);
  iterate ();
  check (fx, "#财务部(2/2) li.wang wang.fang");
}

static void
test_recent (Fixture *fx, gconstpointer data)
{
  td_contact_set_last (find_contact (fx, "carol"), 1000, "hello");
  td_contact_set_last (find_contact (fx, "wang.fang"), 3000, "你好");
  td_contact_set_last (find_contact (fx, "bob"), 2000, "hi");

  start (fx, TD_CONTACT_LIST_RECENT);
  check (fx, "wang.fang bob carol");

  td_contact_set_last (find_contact (fx, "carol"), 4000, "again");
  iterate ();
  check (fx, "carol wang.fang bob");

  td_contact_set_last (find_contact (fx, "eve"), 2500, "first");
  iterate ();
  check (fx, "carol wang.fang eve bob");

  /* An older message does not move anyone. */
  td_contact_set_last (find_contact (fx, "bob"), 10, "old");
  iterate ();
  check (fx, "carol wang.fang eve bob");
  g_assert_cmpstr (td_contact_get_last_text (find_contact (fx, "bob")), ==, "hi");

  td_contact_list_set_filter (fx->list, "王");
  check (fx, "wang.fang");
  td_contact_list_set_filter (fx->list, "");
  check (fx, "carol wang.fang eve bob");
  g_assert_cmpint (td_contact_list_find (fx->list, "eve"), ==, 2);
}

static TdContact *
add_group (GListStore *store, gint64 id, TdGroupKind kind, const char *name,
           const char * const *members)
{
  g_autoptr(TdGroup) group = td_group_new (id, kind, name, kind == TD_GROUP_ADHOC ? "bob" : "",
                                           members);
  g_autoptr(TdContact) contact = td_contact_new_group (group);

  g_list_store_append (store, contact);
  return contact;
}

static void
test_groups_section (Fixture *fx, gconstpointer data)
{
  static const char * const crew[] = { "alice", "bob", "carol", NULL };
  static const char * const eng[] = { "alice", "bob", "zed", NULL };
  g_autofree char *people = grouped ("#Engineering(2/3) alice zed bob", "#Sales(1/2) dave carol",
                                     "#财务部(1/2) wang.fang li.wang", "#(0/1) eve");
  g_autofree char *expected = NULL;
  g_autofree char *collapsed = NULL;
  g_autofree char *renamed = NULL;
  g_autoptr(GObject) header = NULL;
  TdContact *release;

  release = add_group (fx->store, 12, TD_GROUP_ADHOC, "Release crew", crew);
  add_group (fx->store, 3, TD_GROUP_DEPARTMENT, "Sales", NULL);
  add_group (fx->store, 2, TD_GROUP_DEPARTMENT, "Engineering", eng);
  add_group (fx->store, 13, TD_GROUP_ADHOC, "Lunch", NULL);
  start (fx, TD_CONTACT_LIST_GROUPED);

  /* The Groups section comes first: department groups, then ad-hoc ones,
   * each by name; then the departments as before.  A department group is
   * not a person of its department. */
  expected = g_strdup_printf ("#Groups(0/4) g:2 g:3 g:13 g:12 %s", people);
  check (fx, expected);
  header = g_list_model_get_item (G_LIST_MODEL (fx->list), 0);
  g_assert_true (td_department_get_is_groups (TD_DEPARTMENT (header)));
  g_assert_false (td_department_get_is_groups (TD_DEPARTMENT (g_ptr_array_index (fx->mirror, 5))));
  g_assert_cmpint (td_contact_list_find (fx->list, "g:12"), ==, 4);

  /* The group contact carries what the group says. */
  g_assert_true (td_contact_get_is_group (release));
  g_assert_cmpint (td_contact_get_group_kind (release), ==, TD_GROUP_ADHOC);
  g_assert_cmpstr (td_contact_get_owner (release), ==, "bob");
  g_assert_cmpuint (td_contact_get_member_count (release), ==, 3);
  g_assert_true (td_contact_has_member (release, "carol"));
  g_assert_false (td_contact_has_member (release, "dave"));

  /* Unread messages count as the header's "online" number. */
  td_contact_set_unread (release, 2);
  iterate ();
  g_free (expected);
  expected = g_strdup_printf ("#Groups(1/4) g:2 g:3 g:13 g:12 %s", people);
  check (fx, expected);

  /* Renaming re-sorts within the ad-hoc groups. */
  {
    g_autoptr(TdGroup) group = td_group_new (12, TD_GROUP_ADHOC, "A-team", "bob", crew);

    td_contact_update_group (release, group);
  }
  iterate ();
  renamed = g_strdup_printf ("#Groups(1/4) g:2 g:3 g:12 g:13 %s", people);
  check (fx, renamed);
  g_assert_cmpstr (td_contact_get_name (release), ==, "A-team");

  /* The section collapses by itself, not as a department called "Groups". */
  td_contact_list_set_expanded (fx->list, "Groups", FALSE);
  check (fx, renamed);
  td_contact_list_set_section_expanded (fx->list, TD_DEPARTMENT (header), FALSE);
  collapsed = g_strdup_printf ("#Groups(1/4) %s", people);
  check (fx, collapsed);
  g_assert_false (td_department_get_expanded (TD_DEPARTMENT (header)));
  td_contact_list_set_groups_expanded (fx->list, TRUE);
  check (fx, renamed);

  /* Search finds groups by name. */
  td_contact_list_set_filter (fx->list, "lunch");
  check (fx, "#Groups(1/4) g:13");
  td_contact_list_set_filter (fx->list, "");

  /* A group that goes away leaves the section. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fx->store)); i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (G_LIST_MODEL (fx->store), i);

      if (contact == release)
        {
          g_list_store_remove (fx->store, i);
          break;
        }
    }
  iterate ();
  g_free (expected);
  expected = g_strdup_printf ("#Groups(0/3) g:2 g:3 g:13 %s", people);
  check (fx, expected);
}

/* Many people: "Person N" in department N % 7, online when N % 3 == 0. */
static void
big_set_up (Fixture *fx, gconstpointer data)
{
  fx->store = g_list_store_new (TD_TYPE_CONTACT);
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *login = g_strdup_printf ("p%03u", i);
      g_autofree char *name = g_strdup_printf ("Person %u", i);
      g_autofree char *dept = g_strdup_printf ("Dept %u", i % 7);

      add_contact (fx->store, login, name, dept, i % 3 == 0 ? TD_PRESENCE_ONLINE : TD_PRESENCE_OFFLINE);
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* What the grouped list must be for @query (NULL: none), built the slow
 * way: every department, its online people by name, then the others. */
static char *
expected_grouped (Fixture *fx, const char *query)
{
  GString *out = g_string_new (NULL);

  for (guint d = 0; d < 7; d++)
    {
      g_autoptr(GPtrArray) people = g_ptr_array_new ();
      guint online = 0;
      guint total = 0;

      for (guint pass = 0; pass < 2; pass++)
        {
          g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

          for (guint i = d; i < 500; i += 7)
            {
              g_autofree char *name = g_strdup_printf ("Person %u", i);

              if ((i % 3 == 0) != (pass == 0))
                continue;
              total++;
              online += pass == 0;
              if (query == NULL || strstr (name, query) != NULL)
                g_ptr_array_add (names, g_strdup_printf ("%s\tp%03u", name, i));
            }
          /* The names differ in digits only: byte order is the collation. */
          g_ptr_array_sort (names, compare_strings);
          for (guint k = 0; k < names->len; k++)
            g_ptr_array_add (people, g_strdup (strchr (names->pdata[k], '\t') + 1));
        }
      if (people->len == 0 && query != NULL)
        {
          g_ptr_array_set_free_func (people, g_free);
          continue;
        }
      g_string_append_printf (out, "%s#Dept %u(%u/%u)", out->len > 0 ? " " : "", d, online, total);
      for (guint k = 0; k < people->len; k++)
        {
          g_string_append_printf (out, " %s", (char *) people->pdata[k]);
          g_free (people->pdata[k]);
        }
    }
  return g_string_free (out, FALSE);
}

static void
check_query (Fixture *fx, const char *query)
{
  g_autofree char *expected = expected_grouped (fx, query);

  td_contact_list_set_filter (fx->list, query);
  check (fx, expected);
}

/* A search that grows only removes rows, one that shrinks only adds:
 * rows of people who still match are never rebuilt. */
static void
test_narrowing (Fixture *fx, gconstpointer data)
{
  static const char * const typed[] = { "P", "Pe", "Person 1", "Person 12", "Person 123" };
  guint before;

  start (fx, TD_CONTACT_LIST_GROUPED);
  check_query (fx, NULL);
  before = fx->mirror->len;
  g_assert_cmpuint (before, ==, 507);

  fx->added = fx->removed = 0;
  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    check_query (fx, typed[i]);
  g_assert_cmpuint (fx->added, ==, 0);
  g_assert_cmpuint (fx->removed, ==, before - 2);
  check (fx, "#Dept 4(23/71) p123");

  /* Deleting characters again: only insertions. */
  fx->added = fx->removed = 0;
  check_query (fx, "Person 12");
  check_query (fx, "Person 1");
  check_query (fx, NULL);
  g_assert_cmpuint (fx->removed, ==, 0);
  g_assert_cmpuint (fx->added, ==, before - 2);

  /* A query that is not an extension of the previous one starts over. */
  check_query (fx, "Person 49");
  check_query (fx, "Person 7");
  check_query (fx, "no such person");
  check (fx, "");
}

static guint
count_people (Fixture *fx)
{
  guint n = 0;

  for (guint i = 0; i < fx->mirror->len; i++)
    n += TD_IS_CONTACT (fx->mirror->pdata[i]);
  return n;
}

/* The order is kept between searches, not the matches: a contact that
 * changes while a search is shown is found by the next search too. */
static void
test_filter_after_change (Fixture *fx, gconstpointer data)
{
  g_autoptr(TdUser) renamed = td_user_new ("p010", "Zelda 10", "Dept 3", NULL, TD_PRESENCE_OFFLINE);

  start (fx, TD_CONTACT_LIST_GROUPED);
  check_query (fx, "Person 10");
  g_assert_cmpuint (count_people (fx), ==, 11);   /* 10, 100...109 */
  td_contact_update (find_contact (fx, "p010"), renamed);
  iterate ();
  g_assert_cmpint (td_contact_list_find (fx->list, "p010"), ==, -1);
  g_assert_cmpuint (count_people (fx), ==, 10);
  td_contact_list_set_filter (fx->list, "zelda");
  check (fx, "#Dept 3(24/71) p010");
  td_contact_list_set_filter (fx->list, "zelda 1");
  check (fx, "#Dept 3(24/71) p010");
  td_contact_list_set_filter (fx->list, "person 10");
  g_assert_cmpuint (count_people (fx), ==, 10);
  g_assert_cmpint (td_contact_list_find (fx->list, "p010"), ==, -1);
  g_assert_cmpint (td_contact_list_find (fx->list, "p105"), >=, 0);
}

/* A mirror of a TdLazyList fed only by its signals. */
static void
lazy_changed_cb (GListModel *model, guint position, guint removed, guint added, GPtrArray *mirror)
{
  g_assert_cmpuint (position + removed, <=, mirror->len);
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, position + i, g_list_model_get_item (model, position + i));
  g_assert_cmpuint (mirror->len, ==, g_list_model_get_n_items (model));
}

/* The lazy list shows a prefix of the list, at most its limit once
 * thawed, and a narrowing search under a freeze never builds a row that
 * goes away again. */
static void
test_lazy_list (Fixture *fx, gconstpointer data)
{
  g_autoptr(TdLazyList) lazy = NULL;
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  guint limit = 40;

  start (fx, TD_CONTACT_LIST_GROUPED);
  lazy = td_lazy_list_new (G_LIST_MODEL (fx->list), limit);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (lazy)); i++)
    g_ptr_array_add (mirror, g_list_model_get_item (G_LIST_MODEL (lazy), i));
  g_signal_connect (lazy, "items-changed", G_CALLBACK (lazy_changed_cb), mirror);
  g_assert_cmpuint (mirror->len, ==, limit);
  g_assert_true (td_lazy_list_has_more (lazy));

  for (guint round = 0; round < 2; round++)
    {
      static const char * const queries[] = { "P", "Person 1", "Person 12", "Person 1", "", "Dept 5", "" };

      for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
        {
          if (round == 1)
            td_lazy_list_freeze (lazy);
          td_contact_list_set_filter (fx->list, queries[q]);
          if (round == 1)
            td_lazy_list_thaw (lazy);
          g_assert_cmpuint (mirror->len, ==, MIN (limit, g_list_model_get_n_items (G_LIST_MODEL (fx->list))));
          for (guint i = 0; i < mirror->len; i++)
            g_assert_true (mirror->pdata[i] == fx->mirror->pdata[i]);
        }
    }

  /* More on request, fewer again. */
  td_lazy_list_set_limit (lazy, 100);
  g_assert_cmpuint (mirror->len, ==, 100);
  td_lazy_list_set_limit (lazy, 10);
  g_assert_cmpuint (mirror->len, ==, 10);
  td_lazy_list_set_limit (lazy, 1000);
  g_assert_cmpuint (mirror->len, ==, 507);
  g_assert_false (td_lazy_list_has_more (lazy));
}

/* Narrowing under a freeze: the rows that stay are never rebuilt, and
 * what is added at thaw is only the tail. */
static guint lazy_added;

static void
count_added_cb (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  lazy_added += added;
}

static void
test_lazy_freeze (Fixture *fx, gconstpointer data)
{
  g_autoptr(TdLazyList) lazy = NULL;

  start (fx, TD_CONTACT_LIST_GROUPED);
  lazy = td_lazy_list_new (G_LIST_MODEL (fx->list), 40);
  g_signal_connect (lazy, "items-changed", G_CALLBACK (count_added_cb), NULL);
  lazy_added = 0;
  td_lazy_list_freeze (lazy);
  td_contact_list_set_filter (fx->list, "Person 1");
  td_lazy_list_thaw (lazy);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (lazy)), ==, 40);
  /* "Person 1..." in Dept 0 and 1 that were shown stay; only rows that
   * were not shown before are added, once. */
  g_assert_cmpuint (lazy_added, <=, 40);
  g_assert_cmpuint (lazy_added, >, 0);
}

static void
test_contact_matches (void)
{
  g_autoptr(TdUser) user = td_user_new ("wang.fang", "王芳 Fiona", "财务部", "会计", TD_PRESENCE_ONLINE);
  g_autoptr(TdContact) contact = td_contact_new (user);
  g_autofree char *fiona = g_utf8_casefold ("FIONA", -1);

  g_assert_true (td_contact_matches (contact, "王"));
  g_assert_true (td_contact_matches (contact, fiona));
  g_assert_true (td_contact_matches (contact, "wang."));
  g_assert_true (td_contact_matches (contact, "财务"));
  g_assert_false (td_contact_matches (contact, "会计"));   /* title is not searched */
  g_assert_false (td_contact_matches (contact, "bob"));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/contact/matches", test_contact_matches);
  g_test_add ("/contact-list/grouped", Fixture, NULL, fixture_set_up, test_grouped, fixture_tear_down);
  g_test_add ("/contact-list/filter", Fixture, NULL, fixture_set_up, test_filter, fixture_tear_down);
  g_test_add ("/contact-list/recent", Fixture, NULL, fixture_set_up, test_recent, fixture_tear_down);
  g_test_add ("/contact-list/groups", Fixture, NULL, fixture_set_up, test_groups_section, fixture_tear_down);
  g_test_add ("/contact-list/narrowing", Fixture, NULL, big_set_up, test_narrowing, fixture_tear_down);
  g_test_add ("/contact-list/filter-after-change", Fixture, NULL, big_set_up, test_filter_after_change,
              fixture_tear_down);
  g_test_add ("/lazy-list/prefix", Fixture, NULL, big_set_up, test_lazy_list, fixture_tear_down);
  g_test_add ("/lazy-list/freeze", Fixture, NULL, big_set_up, test_lazy_freeze, fixture_tear_down);
  return g_test_run ();
}
