/* td-lazy-list.c - the first N items of a GListModel (see td-lazy-list.h).
 *
 * A change in the model is passed on clipped to the first N positions,
 * then the tail is evened out (items pushed past the limit dropped, items
 * pulled in from beyond it added), so a list box bound to this keeps the
 * widgets of items that did not change.  What is shown is always a prefix
 * of the model, also while frozen.
 */
#define G_LOG_DOMAIN "td-lazy-list"

#include "td-lazy-list.h"

struct _TdLazyList
{
  GObject     parent_instance;

  GListModel *model;
  guint       limit;
  guint       n_items;  /* what we have reported so far */
  guint       frozen;   /* td_lazy_list_freeze() depth */
};

static void td_lazy_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdLazyList, td_lazy_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, td_lazy_list_model_init))

static GType
td_lazy_list_get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (TD_LAZY_LIST (model)->model);
}

static guint
td_lazy_list_get_n_items (GListModel *model)
{
  return TD_LAZY_LIST (model)->n_items;
}

static gpointer
td_lazy_list_get_item (GListModel *model, guint position)
{
  TdLazyList *self = TD_LAZY_LIST (model);

  if (position >= self->n_items)
    return NULL;
  return g_list_model_get_item (self->model, position);
}

static void
td_lazy_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = td_lazy_list_get_item_type;
  iface->get_n_items = td_lazy_list_get_n_items;
  iface->get_item = td_lazy_list_get_item;
}

/* Grows or shrinks what is shown to min (model size, limit). */
static void
even_out (TdLazyList *self)
{
  guint want = MIN (g_list_model_get_n_items (self->model), self->limit);
  guint had = self->n_items;

  if (want == had)
    return;
  self->n_items = want;
  if (want > had)
    g_list_model_items_changed (G_LIST_MODEL (self), had, 0, want - had);
  else
    g_list_model_items_changed (G_LIST_MODEL (self), want, had - want, 0);
}

static void
model_changed_cb (GListModel *model, guint position, guint removed, guint added, TdLazyList *self)
{
  guint removed_shown;
  guint added_shown;
  guint tail;

  if (position >= self->n_items)
    {
      if (self->frozen == 0)
        even_out (self);
      return;
    }
  removed_shown = MIN (removed, self->n_items - position);
  added_shown = position < self->limit ? MIN (added, self->limit - position) : 0;
  /* The shown items after the change; if not all that was added is shown
   * they are no longer next to the shown part: drop them too. */
  tail = self->n_items - position - removed_shown;
  if (added_shown < added)
    {
      removed_shown += tail;
      tail = 0;
    }
  self->n_items = position + added_shown + tail;
  if (removed_shown > 0 || added_shown > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed_shown, added_shown);
  if (self->frozen == 0)
    even_out (self);
}

static void
td_lazy_list_dispose (GObject *object)
{
  TdLazyList *self = TD_LAZY_LIST (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (td_lazy_list_parent_class)->dispose (object);
}

static void
td_lazy_list_class_init (TdLazyListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = td_lazy_list_dispose;
}

static void
td_lazy_list_init (TdLazyList *self)
{
}

TdLazyList *
td_lazy_list_new (GListModel *model, guint limit)
{
  TdLazyList *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (TD_TYPE_LAZY_LIST, NULL);
  self->model = g_object_ref (model);
  self->limit = limit;
  self->n_items = MIN (g_list_model_get_n_items (model), limit);
  g_signal_connect (model, "items-changed", G_CALLBACK (model_changed_cb), self);
  return self;
}

void
td_lazy_list_set_limit (TdLazyList *self, guint limit)
{
  g_return_if_fail (TD_IS_LAZY_LIST (self));

  self->limit = limit;
  if (self->frozen == 0)
    even_out (self);
}

guint
td_lazy_list_get_limit (TdLazyList *self)
{
  g_return_val_if_fail (TD_IS_LAZY_LIST (self), 0);
  return self->limit;
}

gboolean
td_lazy_list_has_more (TdLazyList *self)
{
  g_return_val_if_fail (TD_IS_LAZY_LIST (self), FALSE);
  return g_list_model_get_n_items (self->model) > self->n_items;
}

void
td_lazy_list_freeze (TdLazyList *self)
{
  g_return_if_fail (TD_IS_LAZY_LIST (self));

  self->frozen++;
}

void
td_lazy_list_thaw (TdLazyList *self)
{
  g_return_if_fail (TD_IS_LAZY_LIST (self));
  g_return_if_fail (self->frozen > 0);

  if (--self->frozen == 0)
    even_out (self);
}
