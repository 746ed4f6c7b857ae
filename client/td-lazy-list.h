/* td-lazy-list.h - the first N items of another GListModel, N growing on
 * request.
 *
 * GtkListBox (GTK 3) makes a widget for every item of its model and
 * measures them all: bound to a 10,000-person directory it needs seconds
 * to build and to rebuild after a search.  Bound to this instead, it gets
 * the first screenfuls; the window asks for more as the user scrolls
 * down.  Lists shorter than the limit are passed through unchanged. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TD_TYPE_LAZY_LIST (td_lazy_list_get_type ())
G_DECLARE_FINAL_TYPE (TdLazyList, td_lazy_list, TD, LAZY_LIST, GObject)

TdLazyList *td_lazy_list_new       (GListModel *model, guint limit);
/* Items shown at most; raising it adds the next items, lowering drops. */
void        td_lazy_list_set_limit (TdLazyList *self, guint limit);
guint       td_lazy_list_get_limit (TdLazyList *self);
/* Whether the model has items beyond the limit. */
gboolean    td_lazy_list_has_more  (TdLazyList *self);
/* Between freeze and thaw, changes of the model are passed on but the
 * tail is not evened out (more than the limit may show for a moment);
 * thaw evens it out once.  For a change the model reports in many
 * steps (a search narrowing the list): otherwise every removed row would
 * pull in a row from beyond the limit, only to drop it again.  Nests. */
void        td_lazy_list_freeze    (TdLazyList *self);
void        td_lazy_list_thaw      (TdLazyList *self);

G_END_DECLS
