/* jsondrip._speedups: ParserBase, the C base class of jsondrip.Parser.
 *
 * Design and why
 * --------------
 * Per-chunk cost was measured in units of a no-op Python method call (the
 * yardstick of benchmarks/, stable across machines):
 *
 * 1. A Python facade `feed` that calls a C function with `self`: the facade
 *    frame alone adds a whole no-op call per chunk (feed('') costs 2.5 calls
 *    through a facade, 1.5 as a C method), before the C code even reads its
 *    state, which would then be __dict__ lookups (~15 ns each, a dozen per
 *    chunk).
 * 2. (chosen) The hot attributes are fields of this struct, exposed to the
 *    Python code under their usual names as member descriptors, so the
 *    reference code runs unchanged on the same state; `feed`, `_consume` and
 *    `value` are C methods installed on jsondrip.Parser. One C call per
 *    chunk, field reads are pointer loads (feed('abcd') into an open string:
 *    ~4.5 no-op calls).
 *
 * And a full C state machine (errors, limits, lenient, NaN, exact positions)
 * was not attempted: the hand-off below gives parity by construction for
 * all the rare paths, and they are rare in a stream.
 *
 * The C loop below is a line-by-line port of Parser._consume for the common
 * path. It never decides anything the reference decides differently: at an
 * error, a limit that could fire (max_depth, max_members, max_number_length;
 * the document and string limits cannot be reached in a buffer that ends
 * before Parser._watch, and buffers past it go to the reference whole), lenient
 * prose, a custom parse_int / parse_float, a key with an escape, or a literal
 * other than true/false/null, it writes its state back exactly as _consume's
 * epilogue would at that position and calls Parser._reference_consume(rest,
 * ...), the pure-Python loop, on the same state. If that raises, the position
 * fields go back to their values before the call and a ScanError's position is
 * shifted to count from the start of the buffer, so the caller sees exactly
 * what the reference alone would have raised. Hand-offs happen at token
 * starts, or, for an error inside an open string, after flushing the string
 * as _consume's `finally` would, so the deltas are the same as well.
 *
 * Measured after the port (llm-object workload, 1-7 character chunks, value
 * read after every chunk): about 0.45 µs per chunk against the pure-Python
 * backend's 2 µs and streaming-json-parser-native's 0.7 µs on the same
 * machine; what remains is mostly CPython's own cost per chunk (the call,
 * the deltas list, one Delta, the in-place string growth, the offset int).
 *
 * Everything the C code touches is checked at entry (all fields set, of the
 * expected types); anything unexpected sends the whole feed to the Python
 * path, so a representation change in _parser.py degrades to "slower", not
 * to "wrong". The C code only stores values of the right types, so the
 * check runs again only after Python code set an attribute (tp_setattro
 * clears `checked`), and the limits are read into C integers then.
 *
 * Per-chunk costs removed since (issue 10, measured with interleaved runs):
 * the int objects of `_offset`/`_state`/... (C integers behind member
 * descriptors, so the reference and the pickles see ints), the frame tuple
 * per completed key (`_frame` is a getset over unpacked fields), the loop
 * set-up for plain text into an open string or key (grow_open_text), and,
 * with Parser(deltas=False), every Delta and every path tuple: paths only
 * go into deltas, so the frames then hold () and nothing reads them.
 *
 * Reusing the deltas (the technique of CPython's enumerate and zip, which
 * reuse their result tuple when nobody else holds it). Allocating and
 * freeing the returned list, its item array and each Delta cost 2-3 no-op
 * calls per chunk. So feed keeps (last_deltas, a cache, not state: never
 * pickled or copied, traversed and cleared by the GC slots) the list it
 * returned. At the next feed (harvest_deltas), if that list's refcount is 1
 * (the caller dropped it), its storage takes this feed's deltas, and each
 * of its Deltas whose refcount is 1 too is emptied and kept (spare, at
 * most JD_SPARE_DELTAS) to be refilled in place by new_delta; anything the
 * caller still holds is never touched. Consequences: (1) the parser keeps
 * the last feed's deltas (and what they hold) alive until the next feed or
 * feed_eof; (2) the cache is released at the start of every feed, before
 * any parsing, so a cached `add` of the open string never holds it while
 * it grows in place (that needs its refcount to be 1); (3) only a list
 * returned normally is cached: one handed out in an exception (exc.deltas)
 * belongs to the caller; (4) off from 3.14 (tuples cache their hash) and
 * without the GIL (JD_REUSE). Measured (llm workload, `p.feed(c); p.value`,
 * medians of 6 interleaved processes against the code before, no-op call
 * units): 9.6 -> 7.4 at 1 KB, 10.1 -> 8.0 at 10 KB, 11.0 -> 8.9 at 100 KB;
 * Parser(deltas=False), whose empty list is reused too: 6.8 -> 6.3,
 * 7.2 -> 6.9, 8.2 -> 7.7.
 *
 * The most common list is one `append` to the open string (a chunk of
 * plain text). Its Delta is kept whole but for its text (keep_append:
 * ("append", path, None)), and the next `append` to the same path only
 * swaps the new text in: no emptying, refilling or GC checks per chunk.
 * (callgrind, 100 KB llm workload, `p.feed(c); p.value`: 2194 -> 2175
 * instructions per chunk.) Reusing path tuples the same way (kept when
 * a released Delta held the last reference) was tried and dropped: CPython's
 * tuple free list already makes them cheap (-4 instructions per chunk).
 */
#include "speedups.h"

#if PY_VERSION_HEX >= 0x030C0000
#define JD_T_OBJECT_EX Py_T_OBJECT_EX
#define JD_T_PYSSIZET Py_T_PYSSIZET
#define JD_T_INT Py_T_INT
#define JD_T_BOOL Py_T_BOOL
#else
#include <structmember.h>
#define JD_T_OBJECT_EX T_OBJECT_EX
#define JD_T_PYSSIZET T_PYSSIZET
#define JD_T_INT T_INT
#define JD_T_BOOL T_BOOL
#endif

/* ---- small helpers ---------------------------------------------------- */

static Py_ssize_t
as_ssize(PyObject *o)
{
    Py_ssize_t v = PyLong_AsSsize_t(o);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return _PyLong_Sign(o) < 0 ? PY_SSIZE_T_MIN : PY_SSIZE_T_MAX;
    }
    return v;
}

/* Replace the owned reference *slot with a new reference to value. */
static inline void
set_field(PyObject **slot, PyObject *value)
{
    PyObject *old = *slot;
    Py_INCREF(value);
    *slot = value;
    Py_XDECREF(old);
}

/* Like set_field, but steals the reference to value (which may be NULL). */
static inline int
set_field_new(PyObject **slot, PyObject *value)
{
    if (value == NULL) {
        return -1;
    }
    PyObject *old = *slot;
    *slot = value;
    Py_XDECREF(old);
    return 0;
}

/* Set a new or emptied Delta's three items (new references). */
static inline void
fill_delta(PyObject *delta, PyObject *op, PyObject *path, PyObject *value)
{
    Py_INCREF(op);
    PyTuple_SET_ITEM(delta, 0, op);
    Py_INCREF(path);
    PyTuple_SET_ITEM(delta, 1, path);
    Py_INCREF(value);
    PyTuple_SET_ITEM(delta, 2, value);
}

/* A new Delta(op, path, value), not tracked by the cyclic GC (new_delta
 * tracks the ones that need it). */
static PyObject *
make_delta(PyObject *op, PyObject *path, PyObject *value)
{
#if PY_VERSION_HEX < 0x030E0000
    /* Not tp_alloc (PyType_GenericAlloc): no zeroing, and not tracked. */
    PyObject *delta = (PyObject *)PyObject_GC_NewVar(PyTupleObject, JD.delta_type, 3);
    if (delta == NULL) {
        return NULL;
    }
    fill_delta(delta, op, path, value);
    return delta;
#else
    /* Tuples cache their hash from 3.14: let tuple.__new__ initialise it. */
    PyObject *items = PyTuple_Pack(3, op, path, value);
    if (items == NULL) {
        return NULL;
    }
    PyObject *args = PyTuple_Pack(1, items);
    Py_DECREF(items);
    if (args == NULL) {
        return NULL;
    }
    PyObject *delta = PyTuple_Type.tp_new(JD.delta_type, args, NULL);
    Py_DECREF(args);
    if (delta != NULL) {
        PyObject_GC_UnTrack(delta);
    }
    return delta;
#endif
}

/* PyObject_IS_GC (a function call in the C API), inline. */
static inline int
is_gc(PyObject *o)
{
    PyTypeObject *type = Py_TYPE(o);
    return PyType_IS_GC(type) && (type->tp_is_gc == NULL || type->tp_is_gc(o));
}

/* An object the cyclic GC never needs to see through (a scalar value or an
 * untracked tuple path). */
static inline int
atomic(PyObject *o)
{
    /* CPython's own rule for untracking a tuple (_PyTuple_MaybeUntrack). */
    return !is_gc(o) || (PyTuple_CheckExact(o) && !PyObject_GC_IsTracked(o));
}

/* ---- reusing the deltas list and its Deltas (see the design note) ----- */

/* Compile-time switch: from 3.14 tuples cache their hash (a reused Delta
 * would keep a stale one), and without the GIL a refcount of 1 does not
 * prove that no other thread is about to take a reference. */
#if PY_VERSION_HEX < 0x030E0000 && !defined(Py_GIL_DISABLED)
#define JD_REUSE 1
#else
#define JD_REUSE 0
#endif

/* A returned list whose storage holds more items than this is not kept. */
#define JD_REUSE_MAX_LIST 16

/* The most common deltas list: one `append` to the open string. Such a
 * Delta (nobody else holds it) is kept whole but for its text, which
 * becomes None: the next `append` to the same path only swaps the new text
 * in (new_delta). Returns 0, having done nothing, if delta is not one.
 * Releasing an exact str, or a Delta whose items are a str, a path and
 * None, runs no Python code. */
static int
keep_append(ParserObject *p, PyObject *delta)
{
    if (Py_REFCNT(delta) != 1 || !Py_IS_TYPE(delta, JD.delta_type) || Py_SIZE(delta) != 3 ||
        PyTuple_GET_ITEM(delta, 0) != JD.op_append ||
        !PyUnicode_CheckExact(PyTuple_GET_ITEM(delta, 2))) {
        return 0;
    }
    PyObject *text = PyTuple_GET_ITEM(delta, 2);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(delta, 2, Py_None);
    PyObject *old = p->spare_append;
    p->spare_append = delta;
    Py_DECREF(text);
    Py_XDECREF(old);
    return 1;
}

/* At the start of a feed: if the caller dropped the list the last feed
 * returned (ours is the only reference left), keep it, emptied, for this
 * feed's deltas, and keep each of its Deltas that the caller did not keep
 * either, emptied and untracked, for reuse; anything else is released. No
 * Python code can see a half-emptied object: the list is emptied and the
 * Deltas untracked before the old items are released. */
static void
harvest_deltas(ParserObject *p)
{
    PyObject *list = p->last_deltas;
    if (list == NULL) {
        return;
    }
    p->last_deltas = NULL;
    if (Py_REFCNT(list) != 1 || p->spare_list != NULL ||
        ((PyListObject *)list)->allocated > JD_REUSE_MAX_LIST) {
        Py_DECREF(list);
        return;
    }
    /* Each Delta: kept (its 3 items released) or released itself. */
    PyObject *release[JD_REUSE_MAX_LIST * 3];
    int n_release = 0;
    Py_ssize_t n = PyList_GET_SIZE(list);
    PyObject **items = ((PyListObject *)list)->ob_item;
    Py_SET_SIZE(list, 0);
    if (n == 1) {
        PyObject *delta = items[0];
        items[0] = NULL;
        p->spare_list = list;
        if (keep_append(p, delta)) {
            return;
        }
        items[0] = delta;
        p->spare_list = NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *delta = items[i];
        items[i] = NULL;
        if (p->n_spare < JD_SPARE_DELTAS && Py_REFCNT(delta) == 1 &&
            Py_IS_TYPE(delta, JD.delta_type) && Py_SIZE(delta) == 3) {
            PyObject_GC_UnTrack(delta); /* (does nothing if it is not tracked) */
            for (int k = 0; k < 3; k++) {
                release[n_release++] = PyTuple_GET_ITEM(delta, k);
                PyTuple_SET_ITEM(delta, k, NULL);
            }
            p->spare[p->n_spare++] = delta;
        }
        else {
            release[n_release++] = delta;
        }
    }
    p->spare_list = list;
    for (int i = 0; i < n_release; i++) {
        Py_XDECREF(release[i]);
    }
}

/* The list for this feed's deltas: the spare one, or a new one. */
static PyObject *
new_deltas_list(ParserObject *p)
{
    PyObject *list = p->spare_list;
    if (list != NULL) {
        p->spare_list = NULL;
        return list;
    }
    return PyList_New(0);
}

/* deltas.append(item), stealing item; into the kept storage without
 * list_resize (which would shrink a reused list's storage first). */
static int
list_push(PyObject *list, PyObject *item)
{
    Py_ssize_t size = PyList_GET_SIZE(list);
    if (size < ((PyListObject *)list)->allocated) {
        PyList_SET_ITEM(list, size, item);
        Py_SET_SIZE(list, size + 1);
        return 0;
    }
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* Delta(op, path, value), a spare one if there is one (spare and new
 * Deltas are untracked). One whose path and value hold no container is
 * left untracked, as CPython would untrack such a tuple at its first
 * collection, but now; the others are tracked. */
static PyObject *
new_delta(ParserObject *p, PyObject *op, PyObject *path, PyObject *value)
{
    PyObject *delta;
#if JD_REUSE
    delta = p->spare_append;
    if (delta != NULL && op == JD.op_append && PyTuple_GET_ITEM(delta, 1) == path &&
        PyUnicode_CheckExact(value)) {
        /* Only the text changes (None for a str: nothing the GC sees). */
        p->spare_append = NULL;
        Py_INCREF(value);
        PyTuple_SET_ITEM(delta, 2, value);
        Py_DECREF(Py_None);
        return delta;
    }
    if (p->n_spare) {
        delta = p->spare[--p->n_spare];
        p->spare[p->n_spare] = NULL;
        fill_delta(delta, op, path, value);
    }
    else
#else
    (void)p;
#endif
    {
        delta = make_delta(op, path, value);
        if (delta == NULL) {
            return NULL;
        }
    }
    if (!atomic(value) || !atomic(path)) {
        PyObject_GC_Track(delta);
    }
    return delta;
}

static int
emit_delta(ParserObject *p, PyObject *deltas, PyObject *op, PyObject *path, PyObject *value)
{
    PyObject *delta = new_delta(p, op, path, value);
    if (delta == NULL) {
        return -1;
    }
    return list_push(deltas, delta);
}

/* path + (item,): a tuple, or below TUPLE_DEPTH a DeepPath (whose `+`
 * with a 1-tuple is DeepPath(path, item), see _delta). */
static PyObject *
path_plus(PyObject *path, PyObject *item)
{
    if (!PyTuple_CheckExact(path)) {
        return PyObject_CallFunctionObjArgs(JD.deep_path, path, item, NULL);
    }
    Py_ssize_t n = PyTuple_GET_SIZE(path);
    PyObject *result = PyTuple_New(n + 1);
    if (result == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyTuple_GET_ITEM(path, i);
        Py_INCREF(x);
        PyTuple_SET_ITEM(result, i, x);
    }
    Py_INCREF(item);
    PyTuple_SET_ITEM(result, n, item);
    /* Keys and indices only: no cycle can go through it, so the cyclic GC
     * need not track it (CPython would untrack it at its first collection
     * anyway; doing it now keeps big feeds from triggering collections). */
    PyObject_GC_UnTrack(result);
    return result;
}

/* ---- the consume loop --------------------------------------------------- */

typedef struct {
    ParserObject *p;
    PyObject *buf;
    int kind;
    const void *data;
    Py_ssize_t n;
    PyObject *deltas;
    PyObject *fresh; /* list of text decoded for the open string in this call */
    /* The innermost open container (owned references). */
    PyObject *cont;
    int is_obj;
    PyObject *cpath;
    PyObject *key;
    int frame_dirty;
    Py_ssize_t depth;
    int partial;
    int report; /* build deltas and paths (Parser(deltas=True)) */
} Ctx;

/* Report a delta, unless the parser was made with deltas=False. */
static inline int
emit(Ctx *c, PyObject *op, PyObject *path, PyObject *value)
{
    return c->report ? emit_delta(c->p, c->deltas, op, path, value) : 0;
}

#define CONSUMED 0
#define HANDOFF 1
#define FAILED (-1)

static int
store(Ctx *c, PyObject *value)
{
    if (c->is_obj) {
        return PyDict_SetItem(c->cont, c->key, value);
    }
    return PyList_Append(c->cont, value);
}

static PyObject *
value_path(Ctx *c)
{
    if (!c->report) {
        /* Paths only go into deltas: none is built (the frames hold ()). */
        Py_INCREF(JD.empty_tuple);
        return JD.empty_tuple;
    }
    if (c->is_obj) {
        return path_plus(c->cpath, c->key);
    }
    if (c->depth || c->p->multiple == Py_True) {
        PyObject *index = PyLong_FromSsize_t(PyList_GET_SIZE(c->cont));
        if (index == NULL) {
            return NULL;
        }
        PyObject *path = path_plus(c->cpath, index);
        Py_DECREF(index);
        return path;
    }
    Py_INCREF(JD.empty_tuple);
    return JD.empty_tuple;
}

/* A complete scalar at vpath: store it, add + end. */
static int
complete_value(Ctx *c, PyObject *vpath, PyObject *value)
{
    if (store(c, value) < 0 || emit(c, JD.op_add, vpath, value) < 0 ||
        emit(c, JD.op_end, vpath, value) < 0) {
        return -1;
    }
    return 0;
}

static int
push_frame(Ctx *c, PyObject *child, int child_is_obj, PyObject *vpath)
{
    PyObject *frame = PyTuple_Pack(4, c->cont, c->is_obj ? Py_True : Py_False, c->cpath,
                                   c->key ? c->key : Py_None);
    if (frame == NULL) {
        return -1;
    }
    int rc = PyList_Append(c->p->stack, frame);
    Py_DECREF(frame);
    if (rc < 0) {
        return -1;
    }
    Py_INCREF(child);
    Py_SETREF(c->cont, child);
    c->is_obj = child_is_obj;
    Py_INCREF(vpath);
    Py_SETREF(c->cpath, vpath);
    Py_CLEAR(c->key);
    c->depth++;
    c->frame_dirty = 1;
    return 0;
}

static int
pop_frame(Ctx *c)
{
    PyObject *stack = c->p->stack;
    Py_ssize_t size = PyList_GET_SIZE(stack);
    /* stack.pop(): the list's reference to the frame becomes ours (its
     * storage is kept for the next push). */
    PyObject *frame = PyList_GET_ITEM(stack, size - 1);
    Py_SET_SIZE(stack, size - 1);
    PyObject *cont = PyTuple_GET_ITEM(frame, 0);
    PyObject *key = PyTuple_GET_ITEM(frame, 3);
    Py_INCREF(cont);
    Py_SETREF(c->cont, cont);
    c->is_obj = PyTuple_GET_ITEM(frame, 1) == Py_True;
    PyObject *cpath = PyTuple_GET_ITEM(frame, 2);
    Py_INCREF(cpath);
    Py_SETREF(c->cpath, cpath);
    Py_INCREF(key);
    Py_XSETREF(c->key, key);
    Py_DECREF(frame);
    c->depth--;
    c->frame_dirty = 1;
    return 0;
}

static int
after_value_state(Ctx *c)
{
    return c->depth ? JD_AFTER : c->p->c_root_after;
}

/* The text decoded for the open string in this call (the reference's
 * `fresh` list): NULL, one str (the common case, no list), or a list. */
static int
fresh_append(Ctx *c, PyObject *text)
{
    if (text == NULL) {
        return -1;
    }
    if (c->fresh == NULL) {
        c->fresh = text;
        return 0;
    }
    if (PyUnicode_CheckExact(c->fresh)) {
        PyObject *list = PyList_New(2);
        if (list == NULL) {
            Py_DECREF(text);
            return -1;
        }
        PyList_SET_ITEM(list, 0, c->fresh);
        PyList_SET_ITEM(list, 1, text);
        c->fresh = list;
        return 0;
    }
    int rc = PyList_Append(c->fresh, text);
    Py_DECREF(text);
    return rc;
}

/* "".join(fresh), and fresh emptied (new reference). */
static PyObject *
fresh_take(Ctx *c)
{
    PyObject *fresh = c->fresh;
    c->fresh = NULL;
    if (fresh == NULL) {
        Py_INCREF(JD.empty_str);
        return JD.empty_str;
    }
    if (PyUnicode_CheckExact(fresh)) {
        return fresh;
    }
    PyObject *text = PyUnicode_Join(JD.empty_str, fresh);
    Py_DECREF(fresh);
    return text;
}

/* `*left += right`, in place when *left is a str only we hold; anything
 * else (a caller replaced the open string in the live value) gets Python's
 * own `+=`, with its own error. Steals *left; NULL on error. */
static void
append_text(PyObject **left, PyObject *right)
{
    if (PyUnicode_CheckExact(*left)) {
        PyUnicode_Append(left, right);
        return;
    }
    PyObject *sum = PyNumber_InPlaceAdd(*left, right);
    Py_DECREF(*left);
    *left = sum;
}

/* Append text to the open string value in place (_consume in _parser.py
 * does it inline). The string is taken out of its holder first, so that
 * (unless the caller holds it too) ours is the only reference and
 * PyUnicode_Append resizes it in place, exactly like the reference's
 * `full += text`. Returns a new reference to the grown string. */
static PyObject *
grow_string(Ctx *c, PyObject *text)
{
    ParserObject *p = c->p;
    PyObject *full;
    if (!c->partial) {
        full = p->s_text;
        p->s_text = JD.empty_str;
        Py_INCREF(JD.empty_str);
        append_text(&full, text);
        if (full == NULL) {
            return NULL;
        }
        set_field(&p->s_text, full);
        return full;
    }
    PyObject *cont = p->s_cont;
    if (PyList_CheckExact(cont)) {
        Py_ssize_t i = PyLong_AsSsize_t(p->s_key);
        if (i < 0 || i >= PyList_GET_SIZE(cont)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_IndexError, "list index out of range");
            }
            return NULL;
        }
        full = PyList_GET_ITEM(cont, i); /* the list's reference is now ours */
        Py_INCREF(JD.empty_str);
        PyList_SET_ITEM(cont, i, JD.empty_str);
        append_text(&full, text);
        if (full == NULL) {
            return NULL;
        }
        Py_INCREF(full);
        PyObject *blank = PyList_GET_ITEM(cont, i);
        PyList_SET_ITEM(cont, i, full);
        Py_DECREF(blank);
        return full;
    }
    /* A dict (fast_consume_possible checked it). */
    full = PyDict_GetItemWithError(cont, p->s_key);
    if (full == NULL) {
        /* Gone (the caller spoiled the value): cont[key] raises KeyError. */
        return PyErr_Occurred() ? NULL : PyObject_GetItem(cont, p->s_key);
    }
    Py_INCREF(full);
    if (PyDict_SetItem(cont, p->s_key, JD.empty_str) < 0) {
        Py_DECREF(full);
        return NULL;
    }
    append_text(&full, text);
    if (full == NULL) {
        return NULL;
    }
    if (PyDict_SetItem(cont, p->s_key, full) < 0) {
        Py_DECREF(full);
        return NULL;
    }
    return full;
}

/* Parser._open_text: the open string value's text so far (new reference). */
static PyObject *
open_text(Ctx *c)
{
    if (c->partial) {
        PyObject *cont = c->p->s_cont;
        if (PyDict_CheckExact(cont)) {
            PyObject *text = PyDict_GetItemWithError(cont, c->p->s_key);
            if (text != NULL) {
                Py_INCREF(text);
                return text;
            }
            if (PyErr_Occurred()) {
                return NULL;
            }
        }
        return PyObject_GetItem(cont, c->p->s_key);
    }
    Py_INCREF(c->p->s_text);
    return c->p->s_text;
}

/* Parser._grow_key: append text to the open object key, in place. */
static int
grow_key(ParserObject *p, PyObject *text)
{
    PyObject *key = p->k_text;
    p->k_text = JD.empty_str;
    Py_INCREF(JD.empty_str);
    append_text(&key, text);
    if (key == NULL) {
        return -1;
    }
    return set_field_new(&p->k_text, key);
}

/* Record the text decoded for the open string in this call (in the
 * reference: the `finally` of _consume). */
static int
flush_string(Ctx *c)
{
    ParserObject *p = c->p;
    PyObject *text = fresh_take(c);
    if (text == NULL) {
        return -1;
    }
    int has_text = PyUnicode_GET_LENGTH(text) > 0;
    PyObject *full = has_text ? grow_string(c, text) : open_text(c);
    int rc = full == NULL ? -1 : 0;
    if (rc == 0 && c->partial) {
        if (p->s_reported == Py_True) {
            if (has_text) {
                rc = emit(c, JD.op_append, p->s_path, text);
            }
        }
        else {
            set_field(&p->s_reported, Py_True);
            rc = emit(c, JD.op_add, p->s_path, full);
        }
    }
    Py_XDECREF(full);
    Py_DECREF(text);
    return rc;
}

/* The open string value closed with text (in the reference: _consume at
 * the closing quote). */
static int
finish_string(Ctx *c, PyObject *text)
{
    ParserObject *p = c->p;
    PyObject *full = NULL;
    if (c->partial && PyUnicode_GET_LENGTH(text) == 0) {
        /* The closing quote starts the buffer: `full += ""` leaves a str
         * as it is, so the take-out-and-put-back is skipped (anything else
         * there, from a caller who spoiled the value, gets the real thing). */
        full = open_text(c);
        if (full == NULL) {
            return -1;
        }
        if (!PyUnicode_CheckExact(full)) {
            Py_CLEAR(full);
        }
    }
    if (full == NULL) {
        full = grow_string(c, text);
    }
    if (full == NULL) {
        return -1;
    }
    int rc;
    if (c->partial) {
        rc = 0;
        if (p->s_reported == Py_True) {
            if (PyUnicode_GET_LENGTH(text)) {
                rc = emit(c, JD.op_append, p->s_path, text);
            }
        }
        else {
            rc = emit(c, JD.op_add, p->s_path, full);
        }
    }
    else {
        set_field(&p->s_text, JD.empty_str);
        PyObject *container = p->s_cont;
        rc = PyDict_Check(container) ? PyObject_SetItem(container, p->s_key, full)
                                     : PyList_Append(container, full);
        if (rc == 0) {
            rc = emit(c, JD.op_add, p->s_path, full);
        }
    }
    if (rc == 0) {
        rc = emit(c, JD.op_end, p->s_path, full);
    }
    Py_DECREF(full);
    return rc;
}

/* Open a string value at vpath (its text continues past this buffer, or has
 * an escape): the state _consume sets up before entering _STRING. */
static int
open_string(Ctx *c, PyObject *vpath)
{
    ParserObject *p = c->p;
    set_field(&p->s_cont, c->cont);
    set_field(&p->s_path, vpath);
    set_field(&p->s_text, JD.empty_str);
    p->s_len = 0;
    set_field(&p->s_reported, Py_False);
    if (c->is_obj) {
        set_field(&p->s_key, c->key);
        if (c->partial && PyDict_SetItem(c->cont, c->key, JD.empty_str) < 0) {
            return -1;
        }
    }
    else {
        if (set_field_new(&p->s_key, PyLong_FromSsize_t(PyList_GET_SIZE(c->cont))) < 0) {
            return -1;
        }
        if (c->partial && PyList_Append(c->cont, JD.empty_str) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Run the state machine over buf from 0. On return *pos_out is where it
 * stopped: the end of what was consumed (CONSUMED) or the hand-off point
 * (HANDOFF); the state, frame and open string are written back either way
 * (FAILED: an exception is set, as when _consume raises). */
static int
consume(Ctx *c, int *state_io, Py_ssize_t *pos_out, int careful)
{
    ParserObject *p = c->p;
    const int kind = c->kind;
    const void *data = c->data;
    const Py_ssize_t n = c->n;
    Py_ssize_t pos = 0;
    int state = *state_io;
    int result = CONSUMED;
    PyObject *vpath = NULL;
    const int default_numbers = p->parse_int == (PyObject *)&PyLong_Type &&
                                p->parse_float == (PyObject *)&PyFloat_Type;

#define HAND_OFF()          \
    do {                    \
        result = HANDOFF;   \
        goto done;          \
    } while (0)
#define CHECK(expr)         \
    do {                    \
        if ((expr) < 0) {   \
            result = FAILED; \
            goto done;      \
        }                   \
    } while (0)

    while (pos < n) {
        Py_UCS4 ch;
        if (state == JD_STRING) {
            Py_ssize_t end = jd_string_run(kind, data, pos, n);
            if (end >= n) {
                if (end > pos) {
                    CHECK(fresh_append(c, PyUnicode_Substring(c->buf, pos, end)));
                }
                pos = n;
                break;
            }
            ch = PyUnicode_READ(kind, data, end);
            if (ch == '"') {
                PyObject *text;
                if (c->fresh) {
                    if (end > pos) {
                        CHECK(fresh_append(c, PyUnicode_Substring(c->buf, pos, end)));
                    }
                    text = fresh_take(c);
                }
                else {
                    text = PyUnicode_Substring(c->buf, pos, end);
                }
                if (text == NULL) {
                    result = FAILED;
                    goto done;
                }
                pos = end + 1;
                int rc = finish_string(c, text);
                Py_DECREF(text);
                CHECK(rc);
                state = after_value_state(c);
                continue;
            }
            if (end > pos) {
                CHECK(fresh_append(c, PyUnicode_Substring(c->buf, pos, end)));
            }
            pos = end;
            if (ch == '\\') {
                Py_UCS4 decoded;
                Py_ssize_t after = jd_scan_escape(kind, data, end, n, &decoded);
                if (after == JD_NEED_MORE) {
                    break;
                }
                if (after == JD_BAD) {
                    HAND_OFF();
                }
                CHECK(fresh_append(c, PyUnicode_FromOrdinal((int)decoded)));
                pos = after;
                continue;
            }
            HAND_OFF(); /* a control character: the reference reports it */
        }

        if (state == JD_KEY_STRING) {
            Py_ssize_t end = jd_string_run(kind, data, pos, n);
            if (end < n && PyUnicode_READ(kind, data, end) == '"') {
                PyObject *piece = PyUnicode_Substring(c->buf, pos, end);
                PyObject *key = piece ? PyUnicode_Concat(p->k_text, piece) : NULL;
                Py_XDECREF(piece);
                if (key == NULL) {
                    result = FAILED;
                    goto done;
                }
                Py_XSETREF(c->key, key);
                c->frame_dirty = 1;
                set_field(&p->k_text, JD.empty_str);
                pos = end + 1;
                state = JD_COLON;
                continue;
            }
            if (end >= n) {
                if (end > pos) {
                    PyObject *piece = PyUnicode_Substring(c->buf, pos, end);
                    if (piece == NULL) {
                        result = FAILED;
                        goto done;
                    }
                    int rc = grow_key(p, piece);
                    Py_DECREF(piece);
                    CHECK(rc);
                }
                pos = n;
                break;
            }
            HAND_OFF(); /* an escape or a control character in a key */
        }

        ch = PyUnicode_READ(kind, data, pos);
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            pos = jd_whitespace_run(kind, data, pos + 1, n);
            if (pos >= n) {
                break;
            }
            ch = PyUnicode_READ(kind, data, pos);
        }

        if (state <= JD_LITERAL) {
            if (ch == ']' && state == JD_ARRAY_FIRST) {
                pos++;
                CHECK(emit(c, JD.op_end, c->cpath, c->cont));
                CHECK(pop_frame(c));
                state = after_value_state(c);
                continue;
            }
            if (state == JD_BETWEEN && p->lenient == Py_True) {
                HAND_OFF();
            }
            Py_CLEAR(vpath);
            vpath = value_path(c);
            if (vpath == NULL) {
                result = FAILED;
                goto done;
            }
            if (ch == '"') {
                Py_ssize_t end = jd_string_run(kind, data, pos + 1, n);
                if (end < n && PyUnicode_READ(kind, data, end) == '"') {
                    PyObject *value = PyUnicode_Substring(c->buf, pos + 1, end);
                    if (value == NULL) {
                        result = FAILED;
                        goto done;
                    }
                    int rc = complete_value(c, vpath, value);
                    Py_DECREF(value);
                    CHECK(rc);
                    pos = end + 1;
                    state = after_value_state(c);
                    continue;
                }
                CHECK(open_string(c, vpath));
                state = JD_STRING;
                pos++;
                continue;
            }
            if (ch == '{' || ch == '[') {
                if (c->report && c->depth >= JD.tuple_depth && PyTuple_CheckExact(vpath)) {
                    /* Deep containers link to their parent's path (see _delta). */
                    PyObject *last = PyTuple_GET_ITEM(vpath, PyTuple_GET_SIZE(vpath) - 1);
                    PyObject *deep =
                        PyObject_CallFunctionObjArgs(JD.deep_path, c->cpath, last, NULL);
                    if (deep == NULL) {
                        result = FAILED;
                        goto done;
                    }
                    Py_SETREF(vpath, deep);
                }
                if (c->depth >= p->c_max_depth) {
                    HAND_OFF();
                }
                int is_obj = ch == '{';
                PyObject *child = is_obj ? PyDict_New() : PyList_New(0);
                PyObject *shown = is_obj ? PyDict_New() : PyList_New(0);
                if (child == NULL || shown == NULL) {
                    Py_XDECREF(child);
                    Py_XDECREF(shown);
                    result = FAILED;
                    goto done;
                }
                int rc = emit(c, JD.op_add, vpath, shown);
                Py_DECREF(shown);
                if (rc == 0) {
                    rc = store(c, child);
                }
                if (rc == 0) {
                    rc = push_frame(c, child, is_obj, vpath);
                }
                Py_DECREF(child);
                CHECK(rc);
                state = is_obj ? JD_OBJECT_FIRST : JD_ARRAY_FIRST;
                pos++;
                continue;
            }
            if (state != JD_LITERAL && (ch == '-' || (ch >= '0' && ch <= '9'))) {
                if (!default_numbers) {
                    HAND_OFF();
                }
                int is_float;
                Py_ssize_t end = jd_scan_number(kind, data, pos, n, &is_float);
                if (end == JD_BAD) {
                    HAND_OFF();
                }
                if ((end == JD_NEED_MORE ? n : end) - pos > p->c_max_number_length) {
                    HAND_OFF();
                }
                if (end == JD_NEED_MORE) {
                    state = JD_NUMBER;
                    break;
                }
                PyObject *value = jd_number_value(c->buf, kind, data, pos, end, is_float);
                if (value == NULL) {
                    PyErr_Clear(); /* e.g. int_max_str_digits: the reference reports it */
                    HAND_OFF();
                }
                int rc = complete_value(c, vpath, value);
                Py_DECREF(value);
                CHECK(rc);
                pos = end;
                state = after_value_state(c);
                continue;
            }
            PyObject *literal;
            if (state == JD_LITERAL) {
                literal = p->literal;
            }
            else {
                PyObject *key = PyUnicode_FromOrdinal((int)ch);
                if (key == NULL) {
                    result = FAILED;
                    goto done;
                }
                literal = PyDict_GetItemWithError(p->literals, key);
                Py_DECREF(key);
                if (literal == NULL) {
                    if (PyErr_Occurred()) {
                        result = FAILED;
                        goto done;
                    }
                    HAND_OFF();
                }
            }
            if (!PyTuple_CheckExact(literal) || PyTuple_GET_SIZE(literal) != 2 ||
                !PyUnicode_CheckExact(PyTuple_GET_ITEM(literal, 0))) {
                HAND_OFF();
            }
            PyObject *word = PyTuple_GET_ITEM(literal, 0);
            Py_ssize_t wlen = PyUnicode_GET_LENGTH(word);
            int wkind = PyUnicode_KIND(word);
            const void *wdata = PyUnicode_DATA(word);
            Py_ssize_t i = 0;
            while (i < wlen && pos + i < n &&
                   PyUnicode_READ(kind, data, pos + i) == PyUnicode_READ(wkind, wdata, i)) {
                i++;
            }
            if (i < wlen) {
                if (pos + i < n) {
                    HAND_OFF(); /* not the literal: the reference says where */
                }
                set_field(&p->literal, literal);
                state = JD_LITERAL;
                break;
            }
            pos += wlen;
            CHECK(complete_value(c, vpath, PyTuple_GET_ITEM(literal, 1)));
            state = after_value_state(c);
            continue;
        }

        if (state == JD_AFTER) {
            if (ch == ',') {
                pos++;
                state = c->is_obj ? JD_KEY : JD_VALUE;
                continue;
            }
            if (ch == (Py_UCS4)(c->is_obj ? '}' : ']')) {
                pos++;
                CHECK(emit(c, JD.op_end, c->cpath, c->cont));
                CHECK(pop_frame(c));
                state = after_value_state(c);
                continue;
            }
            HAND_OFF();
        }

        if (state == JD_COLON) {
            if (ch == ':') {
                pos++;
                state = JD_VALUE;
                continue;
            }
            HAND_OFF();
        }

        if (state == JD_KEY || state == JD_OBJECT_FIRST) {
            if (ch == '"') {
                if (state == JD_KEY && PyDict_GET_SIZE(c->cont) >= p->c_max_members) {
                    HAND_OFF();
                }
                Py_ssize_t end = jd_string_run(kind, data, pos + 1, n);
                if (end < n && PyUnicode_READ(kind, data, end) == '"') {
                    PyObject *key = PyUnicode_Substring(c->buf, pos + 1, end);
                    if (key == NULL) {
                        result = FAILED;
                        goto done;
                    }
                    Py_XSETREF(c->key, key);
                    c->frame_dirty = 1;
                    pos = end + 1;
                    state = JD_COLON;
                    continue;
                }
                if (end < n) {
                    HAND_OFF(); /* an escape or a control character in a key */
                }
                /* The key continues in the next chunk. */
                p->k_len = careful ? end - pos - 1 : 0;
                CHECK(set_field_new(&p->k_text, PyUnicode_Substring(c->buf, pos + 1, end)));
                pos = n;
                state = JD_KEY_STRING;
                break;
            }
            if (ch == '}' && state == JD_OBJECT_FIRST) {
                pos++;
                CHECK(emit(c, JD.op_end, c->cpath, c->cont));
                CHECK(pop_frame(c));
                state = after_value_state(c);
                continue;
            }
            HAND_OFF();
        }

        /* JD_DONE (text after the value: lenient skips it, strict fails). */
        HAND_OFF();
    }

done:
    Py_XDECREF(vpath);
    *pos_out = pos;
    *state_io = state;
    {
        /* What _consume's `finally` does; keep the exception, if any. */
        PyObject *exc_type = NULL, *exc_value = NULL, *exc_tb = NULL;
        if (result == FAILED) {
            PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
        }
        int ok = 1;
        p->state = state;
        if (c->frame_dirty) {
            set_field(&p->f_cont, c->cont);
            p->f_is_obj = c->is_obj;
            set_field(&p->f_path, c->cpath);
            set_field(&p->f_key, c->key ? c->key : Py_None);
            c->frame_dirty = 0;
        }
        if (ok && state == JD_STRING) {
            ok = flush_string(c) == 0;
        }
        if (result == FAILED) {
            if (!ok) {
                PyErr_Clear();
            }
            PyErr_Restore(exc_type, exc_value, exc_tb);
        }
        else if (!ok) {
            result = FAILED;
        }
    }
    Py_CLEAR(c->fresh);
    return result;
#undef HAND_OFF
#undef CHECK
}

/* The entry checks: every field the C loop uses is set and of the type it
 * expects. Otherwise the Python path runs (see the design note). */
static int frame_ok(ParserObject *p);

static int
fast_consume_possible(ParserObject *p)
{
    /* The C code only ever stores values of the right types: the checks
     * need to run again only after Python code set an attribute. */
    if (p->checked) {
        return 1;
    }
#define JD_SET(name) (p->name != NULL) &&
    if (!(JD_FIELDS(JD_SET) JD_FRAME_FIELDS(JD_SET) 1)) {
        return 0;
    }
#undef JD_SET
    p->checked =
           PyLong_CheckExact(p->watch) && PyUnicode_CheckExact(p->pending) &&
           PyUnicode_CheckExact(p->s_text) && PyUnicode_CheckExact(p->k_text) &&
           PyList_CheckExact(p->stack) && PyList_CheckExact(p->root) &&
           (p->s_cont == Py_None || PyDict_CheckExact(p->s_cont) ||
            PyList_CheckExact(p->s_cont)) &&
           PyDict_CheckExact(p->literals) && PyLong_CheckExact(p->root_after) &&
           frame_ok(p);
    if (p->checked) {
        p->c_watch = as_ssize(p->watch);
        p->c_careful_length = as_ssize(p->careful_length);
        p->c_max_depth = as_ssize(p->max_depth);
        p->c_max_members = as_ssize(p->max_members);
        p->c_max_number_length = as_ssize(p->max_number_length);
        Py_ssize_t after = as_ssize(p->root_after);
        p->checked = after == JD_DONE || after == JD_BETWEEN;
        p->c_root_after = (int)after;
    }
    return p->checked;
}

static int
frame_ok(ParserObject *p)
{
    PyObject *path = p->f_path;
    if (!PyTuple_CheckExact(path) && Py_TYPE(path) != (PyTypeObject *)JD.deep_path) {
        return 0;
    }
    return p->f_is_obj ? PyDict_CheckExact(p->f_cont) : PyList_CheckExact(p->f_cont);
}

/* Raise ConcurrentUseError: the reference's _busy(method), found in the
 * module of the first class in the MRO that defines it. */
static PyObject *
raise_busy(ParserObject *self, const char *method)
{
    PyObject *mro = Py_TYPE(self)->tp_mro;
    for (Py_ssize_t i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro); i++) {
        PyObject *name = PyObject_GetAttrString(PyTuple_GET_ITEM(mro, i), "__module__");
        PyObject *module = name ? PyImport_Import(name) : NULL;
        Py_XDECREF(name);
        PyObject *busy = module ? PyObject_GetAttr(module, JD.name_busy) : NULL;
        Py_XDECREF(module);
        if (busy != NULL) {
            PyObject *error = PyObject_CallFunction(busy, "s", method);
            Py_DECREF(busy);
            if (error != NULL) {
                PyErr_SetObject((PyObject *)Py_TYPE(error), error);
                Py_DECREF(error);
            }
            return NULL;
        }
        PyErr_Clear();
    }
    PyErr_SetString(PyExc_RuntimeError, "another call on the same parser is running");
    return NULL;
}

static PyObject *feed_unguarded(ParserObject *self, PyObject *chunk);

static PyObject *
feed_text(PyObject *self, PyObject *text)
{
    return feed_unguarded((ParserObject *)self, text);
}

/* A bytes chunk: decoded in C and fed as text, unless jd_feed_utf8 (utf8.c)
 * leaves it to the reference's _feed_slow. */
static PyObject *
feed_chunk(ParserObject *self, PyObject *chunk)
{
    PyObject *result;
    if (PyBytes_CheckExact(chunk) &&
        jd_feed_utf8((PyObject *)self, chunk, self->plain == Py_True, feed_text, &result)) {
        return result;
    }
    return feed_unguarded(self, chunk);
}

/* Parser.feed: take the one-token guard (a second call meanwhile, from
 * another thread, raises ConcurrentUseError and changes nothing), run the
 * feed, give the token back. */
static PyObject *
ParserBase_feed(ParserObject *self, PyObject *chunk)
{
    PyObject *guard = self->guard;
    if (guard == NULL || !PyList_CheckExact(guard)) {
        PyErr_SetString(PyExc_AttributeError, "the parser is not initialised");
        return NULL;
    }
    if (PyList_GET_SIZE(guard) == 0) {
        return raise_busy(self, "feed");
    }
    Py_INCREF(guard);
    /* guard.pop(): the list's reference to the token becomes ours; its
     * storage is kept, so giving the token back does not allocate. */
    Py_ssize_t size = PyList_GET_SIZE(guard);
    PyObject *token = PyList_GET_ITEM(guard, size - 1);
    Py_SET_SIZE(guard, size - 1);
    harvest_deltas(self);
    PyObject *result = feed_chunk(self, chunk);
#if JD_REUSE
    if (result != NULL && PyList_CheckExact(result)) {
        /* Kept for the next feed, which reuses it if the caller drops it. */
        Py_INCREF(result);
        self->last_deltas = result;
    }
#endif
    if (result != NULL && PyList_GET_SIZE(guard) < ((PyListObject *)guard)->allocated) {
        /* Give the token back: the list's storage was kept, nothing can fail. */
        PyList_SET_ITEM(guard, PyList_GET_SIZE(guard), token);
        Py_SET_SIZE(guard, PyList_GET_SIZE(guard) + 1);
        Py_DECREF(guard);
        return result;
    }
    /* Give the token back, keeping any exception of the feed. */
    PyObject *exc_type, *exc_value, *exc_tb;
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (PyList_Append(guard, token) < 0) {
        Py_CLEAR(result);
        Py_XDECREF(exc_type);
        Py_XDECREF(exc_value);
        Py_XDECREF(exc_tb);
    }
    else {
        PyErr_Restore(exc_type, exc_value, exc_tb);
    }
    Py_DECREF(token);
    Py_DECREF(guard);
    return result;
}

/* Is exc the reference scanner's internal ScanError (Parser._ScanError)? */
static int
JD_is_scan_error(ParserObject *self, PyObject *exc)
{
    PyObject *cls = PyObject_GetAttr((PyObject *)self, JD.name_scan_error);
    if (cls == NULL) {
        PyErr_Clear();
        return 0;
    }
    int match = PyType_Check(cls) && PyObject_TypeCheck(exc, (PyTypeObject *)cls);
    Py_DECREF(cls);
    return match;
}

/* Buffers at least this long pause the cyclic GC while the C loop runs. */
#define GC_PAUSE_MIN 16384

/* Call Parser._reference_consume (the pure-Python _consume) on buf. */
static int
reference_consume(ParserObject *self, PyObject *buf, PyObject *deltas, int final, int careful)
{
    PyObject *r = PyObject_CallMethodObjArgs((PyObject *)self, JD.name_reference_consume, buf,
                                             deltas, final ? Py_True : Py_False,
                                             careful ? Py_True : Py_False, NULL);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}

/* Parser._consume(buf, deltas, False, careful), with the same contract: on
 * success the leftover, line count and offset are updated; on an error the
 * exception propagates with them unchanged (a ScanError's pos counted from
 * the start of buf), while the state and frame are written back. */
static int
consume_buffer(ParserObject *self, PyObject *buf, PyObject *deltas, int careful)
{
    Py_ssize_t offset = self->offset;
    if (careful && offset > self->c_watch - PyUnicode_GET_LENGTH(buf)) {
        /* A string or the document could pass its limit here. */
        return reference_consume(self, buf, deltas, 0, careful);
    }
    Ctx c;
    c.p = self;
    c.buf = buf;
    c.kind = PyUnicode_KIND(buf);
    c.data = PyUnicode_DATA(buf);
    c.n = PyUnicode_GET_LENGTH(buf);
    c.deltas = deltas;
    c.fresh = NULL;
    c.cont = self->f_cont;
    Py_INCREF(c.cont);
    c.is_obj = self->f_is_obj;
    c.cpath = self->f_path;
    Py_INCREF(c.cpath);
    c.key = self->f_key;
    Py_INCREF(c.key);
    c.frame_dirty = 0;
    c.depth = PyList_GET_SIZE(self->stack);
    c.partial = self->partial_strings == Py_True;

    c.report = self->deltas;
    int state = self->state;
    Py_ssize_t pos = 0;
    /* A big buffer creates many containers and deltas at once: the cyclic GC
     * would walk them again and again while they are being built (it doubled
     * the time of a 1 MB document). The loop creates no cycles and runs no
     * Python code but DeepPath(), so the GC is paused for its length only. */
    int paused = c.n >= GC_PAUSE_MIN && PyGC_Disable();
    int result = consume(&c, &state, &pos, careful);
    if (paused) {
        PyGC_Enable();
    }
    Py_DECREF(c.cont);
    Py_DECREF(c.cpath);
    Py_XDECREF(c.key);
    if (result == FAILED) {
        return -1;
    }
    /* The reference fails with the position fields as they were. */
    Py_ssize_t line_before = self->line, line_start_before = self->line_start;
    PyObject *pending_before = NULL;
    if (result == HANDOFF) {
        pending_before = self->pending;
        Py_INCREF(pending_before);
    }
    /* _consume's epilogue: the leftover, the line count, the offset. */
    int rc = 0;
    if (result == CONSUMED && pos < c.n) {
        rc = set_field_new(&self->pending, PyUnicode_Substring(buf, pos, c.n));
    }
    else {
        if (PyUnicode_GET_LENGTH(self->pending)) {
            set_field(&self->pending, JD.empty_str);
        }
    }
    Py_ssize_t last;
    Py_ssize_t newlines = jd_count_newlines(c.kind, c.data, pos, &last);
    if (rc == 0 && newlines) {
        self->line += newlines;
        self->line_start = offset + last + 1;
    }
    if (rc == 0) {
        self->offset = offset + pos;
    }
    if (rc < 0 || result == CONSUMED) {
        Py_XDECREF(pending_before);
        return rc;
    }
    /* Hand the rest to the reference, on the same state. */
    PyObject *rest = PyUnicode_Substring(buf, pos, c.n);
    if (rest == NULL || reference_consume(self, rest, deltas, 0, careful) < 0) {
        Py_XDECREF(rest);
        PyObject *exc_type, *exc_value, *exc_tb;
        PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
        PyErr_NormalizeException(&exc_type, &exc_value, &exc_tb);
        self->offset = offset;
        self->line = line_before;
        self->line_start = line_start_before;
        Py_SETREF(self->pending, pending_before);
        if (exc_value != NULL && JD_is_scan_error(self, exc_value)) {
            /* Its position is in rest: make it a position in buf. */
            PyObject *rel = PyObject_GetAttr(exc_value, JD.name_pos);
            PyObject *abs = rel ? PyLong_FromSsize_t(as_ssize(rel) + pos) : NULL;
            Py_XDECREF(rel);
            if (abs == NULL || PyObject_SetAttr(exc_value, JD.name_pos, abs) < 0) {
                Py_XDECREF(abs);
                Py_XDECREF(exc_type);
                Py_XDECREF(exc_value);
                Py_XDECREF(exc_tb);
                return -1;
            }
            Py_DECREF(abs);
        }
        PyErr_Restore(exc_type, exc_value, exc_tb);
        return -1;
    }
    Py_DECREF(rest);
    Py_DECREF(pending_before);
    return 0;
}

/* Parser._consume, installed on the class: the C loop for text chunks, the
 * reference for the end of input (final) and anything unexpected. */
static PyObject *
ParserBase_consume(ParserObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_consume(buf, deltas, final, careful)");
        return NULL;
    }
    PyObject *buf = args[0], *deltas = args[1];
    int final = PyObject_IsTrue(args[2]);
    int careful = PyObject_IsTrue(args[3]);
    if (final < 0 || careful < 0) {
        return NULL;
    }
    /* From feed_eof: the last feed's deltas are not kept past the end. */
    harvest_deltas(self);
    int rc;
    if (final || !PyUnicode_CheckExact(buf) || !PyList_CheckExact(deltas) ||
        !fast_consume_possible(self)) {
        rc = reference_consume(self, buf, deltas, final, careful);
    }
    else {
        rc = consume_buffer(self, buf, deltas, careful);
    }
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* The most common chunk of a stream: plain text inside an open string or
 * key (no quote, backslash or control character), with no leftover. What
 * the C loop would do with it, without setting the loop up (the reference's
 * own fast path in feed): grow the string or key in place, report the
 * `append`. NULL without an exception: not that case after all. */
static PyObject *
grow_open_text(ParserObject *self, PyObject *chunk)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(chunk);
    if (self->state == JD_KEY_STRING) {
        if (grow_key(self, chunk) < 0) {
            return NULL;
        }
        self->offset += n;
        return new_deltas_list(self);
    }
    Ctx c;
    c.p = self;
    c.partial = self->partial_strings == Py_True;
    c.report = self->deltas;
    if (c.partial && self->s_reported != Py_True) {
        return NULL; /* the loop reports the string's `add` */
    }
    PyObject *deltas = new_deltas_list(self);
    if (deltas == NULL) {
        return NULL;
    }
    PyObject *full = grow_string(&c, chunk);
    if (full == NULL) {
        Py_DECREF(deltas);
        return NULL;
    }
    Py_DECREF(full);
    self->offset += n;
    if (c.partial && c.report) {
        if (emit_delta(self, deltas, JD.op_append, self->s_path, chunk) < 0) {
            Py_DECREF(deltas);
            return NULL;
        }
    }
    return deltas;
}

/* Parser.feed without the guard: the reference's fast entry, in C. */
static PyObject *
feed_unguarded(ParserObject *self, PyObject *chunk)
{
    if (!PyUnicode_CheckExact(chunk) || self->plain != Py_True || !fast_consume_possible(self) ||
        self->hunting != Py_False ||
        self->offset > self->c_watch - PyUnicode_GET_LENGTH(chunk)) {
        return PyObject_CallMethodOneArg((PyObject *)self, JD.name_feed_slow, chunk);
    }
    if ((self->state == JD_STRING || self->state == JD_KEY_STRING) &&
        PyUnicode_GET_LENGTH(self->pending) == 0) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(chunk);
        if (n && jd_string_run(PyUnicode_KIND(chunk), PyUnicode_DATA(chunk), 0, n) == n) {
            PyObject *deltas = grow_open_text(self, chunk);
            if (deltas != NULL) {
                return deltas;
            }
            if (PyErr_Occurred()) {
                return NULL;
            }
        }
    }
    PyObject *buf;
    if (PyUnicode_GET_LENGTH(self->pending)) {
        buf = PyUnicode_Concat(self->pending, chunk);
        if (buf == NULL) {
            return NULL;
        }
    }
    else {
        Py_INCREF(chunk);
        buf = chunk;
    }
    PyObject *deltas = new_deltas_list(self);
    if (deltas == NULL) {
        Py_DECREF(buf);
        return NULL;
    }
    /* The leftover is at most a number, so no limit can be reached. */
    int careful = PyUnicode_GET_LENGTH(buf) > self->c_careful_length;
    if (consume_buffer(self, buf, deltas, careful) < 0) {
        /* except ScanError as exc: raise self._fail(buf, exc, deltas) from None */
        PyObject *exc_type, *exc_value, *exc_tb;
        PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
        PyErr_NormalizeException(&exc_type, &exc_value, &exc_tb);
        if (exc_value == NULL || !JD_is_scan_error(self, exc_value)) {
            PyErr_Restore(exc_type, exc_value, exc_tb);
            Py_DECREF(buf);
            Py_DECREF(deltas);
            return NULL;
        }
        PyObject *error = PyObject_CallMethodObjArgs((PyObject *)self, JD.name_fail, buf,
                                                     exc_value, deltas, NULL);
        Py_XDECREF(exc_type);
        Py_XDECREF(exc_value);
        Py_XDECREF(exc_tb);
        Py_DECREF(buf);
        Py_DECREF(deltas);
        if (error != NULL) {
            PyException_SetCause(error, NULL); /* from None */
            PyErr_SetObject((PyObject *)Py_TYPE(error), error);
            Py_DECREF(error);
        }
        return NULL;
    }
    Py_DECREF(buf);
    if (self->hunting == Py_True) {
        PyObject *r = PyObject_CallMethodOneArg((PyObject *)self, JD.name_hunt, deltas);
        if (r == NULL) {
            Py_DECREF(deltas);
            return NULL;
        }
        Py_DECREF(r);
    }
    return deltas;
}

/* ---- value, pickling, the type --------------------------------------- */

/* Parser.value: the open string's text so far is written into its
 * container first (like the reference property). */
static PyObject *
ParserBase_value(ParserObject *self, void *Py_UNUSED(closure))
{
    PyObject *root = self->root;
    if (root == NULL || self->multiple == NULL || !PyList_CheckExact(root)) {
        PyErr_SetString(PyExc_AttributeError, "the parser is not initialised");
        return NULL;
    }
    if (self->multiple == Py_True) {
        Py_INCREF(root);
        return root;
    }
    if (PyList_GET_SIZE(root)) {
        PyObject *first = PyList_GET_ITEM(root, 0);
        Py_INCREF(first);
        return first;
    }
    Py_RETURN_NONE;
}

/* Parser._frame: (container, is_object, path, key), built from the fields. */
static PyObject *
ParserBase_get_frame(ParserObject *self, void *Py_UNUSED(closure))
{
    if (self->f_cont == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_frame");
        return NULL;
    }
    return PyTuple_Pack(4, self->f_cont, self->f_is_obj ? Py_True : Py_False, self->f_path,
                        self->f_key);
}

static int
ParserBase_set_frame(ParserObject *self, PyObject *frame, void *Py_UNUSED(closure))
{
    if (frame == NULL) {
        Py_CLEAR(self->f_cont);
        Py_CLEAR(self->f_path);
        Py_CLEAR(self->f_key);
        return 0;
    }
    if (!PyTuple_CheckExact(frame) || PyTuple_GET_SIZE(frame) != 4) {
        PyErr_SetString(PyExc_TypeError, "_frame must be a tuple of 4 items");
        return -1;
    }
    int is_obj = PyObject_IsTrue(PyTuple_GET_ITEM(frame, 1));
    if (is_obj < 0) {
        return -1;
    }
    self->f_is_obj = is_obj;
    set_field(&self->f_cont, PyTuple_GET_ITEM(frame, 0));
    set_field(&self->f_path, PyTuple_GET_ITEM(frame, 2));
    set_field(&self->f_key, PyTuple_GET_ITEM(frame, 3));
    return 0;
}

static PyGetSetDef ParserBase_getset[] = {
    {"value", (getter)ParserBase_value, NULL,
     PyDoc_STR("The current partial value (the live object; see the class docs)."), NULL},
    {"_frame", (getter)ParserBase_get_frame, (setter)ParserBase_set_frame,
     PyDoc_STR("The innermost open container: (container, is_object, path, key)."), NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef ParserBase_members[] = {
#define JD_MEMBER(name) {"_" #name, JD_T_OBJECT_EX, offsetof(ParserObject, name), 0, NULL},
    JD_FIELDS(JD_MEMBER)
#undef JD_MEMBER
#define JD_MEMBER(name) {"_" #name, JD_T_PYSSIZET, offsetof(ParserObject, name), 0, NULL},
    JD_SSIZE_FIELDS(JD_MEMBER)
#undef JD_MEMBER
    {"_state", JD_T_INT, offsetof(ParserObject, state), 0, NULL},
    {"_deltas", JD_T_BOOL, offsetof(ParserObject, deltas), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* The attributes for pickling: the instance __dict__ plus the struct
 * fields, i.e. exactly the pure-Python parser's __dict__. */
static PyObject *
ParserBase_state_dict(ParserObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *dict = PyObject_GetAttr((PyObject *)self, JD.name_dict);
    if (dict == NULL) {
        return NULL;
    }
    PyObject *state = PyDict_Copy(dict);
    Py_DECREF(dict);
    if (state == NULL) {
        return NULL;
    }
    if (self->f_cont != NULL) {
        PyObject *frame = ParserBase_get_frame(self, NULL);
        int rc = frame == NULL ? -1 : PyDict_SetItemString(state, "_frame", frame);
        Py_XDECREF(frame);
        if (rc < 0) {
            Py_DECREF(state);
            return NULL;
        }
    }
    for (PyMemberDef *m = ParserBase_members; m->name != NULL; m++) {
        if (m->type == JD_T_OBJECT_EX && *(PyObject **)((char *)self + m->offset) == NULL) {
            continue; /* unset, like an attribute missing from __dict__ */
        }
        PyObject *value = PyMember_GetOne((const char *)self, m);
        int rc = value == NULL ? -1 : PyDict_SetItemString(state, m->name, value);
        Py_XDECREF(value);
        if (rc < 0) {
            Py_DECREF(state);
            return NULL;
        }
    }
    return state;
}

static PyObject *
ParserBase_setstate(ParserObject *self, PyObject *state)
{
    if (!PyDict_Check(state)) {
        PyErr_SetString(PyExc_TypeError, "Parser state must be a dict");
        return NULL;
    }
    PyObject *key, *value;
    Py_ssize_t i = 0;
    self->checked = 0;
    while (PyDict_Next(state, &i, &key, &value)) {
        if (PyObject_GenericSetAttr((PyObject *)self, key, value) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

/* Every protocol pickles like the pure-Python class does with protocol 2+:
 * copyreg.__newobj__(cls) and the state dict, so either backend loads it. */
static PyObject *
ParserBase_reduce_ex(ParserObject *self, PyObject *Py_UNUSED(protocol))
{
    PyObject *state = PyObject_CallMethodNoArgs((PyObject *)self, JD.name_getstate);
    if (state == NULL) {
        return NULL;
    }
    return Py_BuildValue("O(O)N", JD.newobj, (PyObject *)Py_TYPE(self), state);
}

/* The reference's docstring (tests/test_speedups.py checks they agree). */
PyDoc_STRVAR(feed_doc,
             "feed(self, chunk, /)\n--\n\n"
             "Parse the next chunk of input.\n"
             "\n"
             "Args:\n"
             "    chunk: Text (``str``) or UTF-8 ``bytes``, split anywhere: bytes may\n"
             "        end inside a multi-byte character, text inside an escape.\n"
             "\n"
             "Returns:\n"
             "    The deltas this chunk produced, in order (possibly none).\n"
             "\n"
             "Raises:\n"
             "    JSONStreamError: the input cannot be the start of valid JSON. The\n"
             "        parser stays failed; ``value`` keeps what was parsed before.\n"
             "    StreamClosedError: :meth:`close` was already called.\n"
             "    ConcurrentUseError: another call on this parser is running (from\n"
             "        another thread); nothing was parsed.\n"
             "    TypeError: ``chunk`` is neither text nor bytes.");

static PyMethodDef ParserBase_methods[] = {
    {"feed", (PyCFunction)ParserBase_feed, METH_O, feed_doc},
    {"_consume", (PyCFunction)(void (*)(void))ParserBase_consume, METH_FASTCALL,
     PyDoc_STR("_consume(buf, deltas, final, careful): the C loop (see the design note).")},
    {"_state_dict", (PyCFunction)ParserBase_state_dict, METH_NOARGS,
     PyDoc_STR("The attributes to pickle (instance dict and C fields).")},
    {"__setstate__", (PyCFunction)ParserBase_setstate, METH_O,
     PyDoc_STR("Restore the attributes from a pickled state dict.")},
    {"__reduce_ex__", (PyCFunction)ParserBase_reduce_ex, METH_O,
     PyDoc_STR("Pickle support (copyreg.__newobj__ and the state dict).")},
    {NULL, NULL, 0, NULL},
};

/* Any attribute set from Python (the reference code, __setstate__) makes the
 * next C feed check the fields again (see fast_consume_possible). */
static int
ParserBase_setattro(ParserObject *self, PyObject *name, PyObject *value)
{
    self->checked = 0;
    return PyObject_GenericSetAttr((PyObject *)self, name, value);
}

/* Parsers pickled before `deltas` existed build deltas: the default is 1. */
static PyObject *
ParserBase_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    ParserObject *self = (ParserObject *)PyType_GenericNew(type, args, kwds);
    if (self != NULL) {
        self->deltas = 1;
    }
    return (PyObject *)self;
}

static int
ParserBase_traverse(ParserObject *self, visitproc visit, void *arg)
{
#define JD_VISIT(name) Py_VISIT(self->name);
    JD_FIELDS(JD_VISIT)
    JD_FRAME_FIELDS(JD_VISIT)
#undef JD_VISIT
    Py_VISIT(self->last_deltas);
    Py_VISIT(self->spare_list);
    Py_VISIT(self->spare_append);
    /* The spare Deltas hold nothing and are untracked. */
    return 0;
}

static int
ParserBase_clear(ParserObject *self)
{
    self->checked = 0;
#define JD_CLEAR(name) Py_CLEAR(self->name);
    JD_FIELDS(JD_CLEAR)
    JD_FRAME_FIELDS(JD_CLEAR)
#undef JD_CLEAR
    Py_CLEAR(self->last_deltas);
    Py_CLEAR(self->spare_list);
    Py_CLEAR(self->spare_append);
    while (self->n_spare) {
        self->n_spare--;
        Py_CLEAR(self->spare[self->n_spare]);
    }
    return 0;
}

static void
ParserBase_dealloc(ParserObject *self)
{
    PyObject_GC_UnTrack(self);
    ParserBase_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyTypeObject JD_ParserBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "jsondrip._speedups.ParserBase",
    .tp_basicsize = sizeof(ParserObject),
    .tp_dealloc = (destructor)ParserBase_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("C state and hot path of jsondrip.Parser (not a public API)."),
    .tp_traverse = (traverseproc)ParserBase_traverse,
    .tp_clear = (inquiry)ParserBase_clear,
    .tp_methods = ParserBase_methods,
    .tp_members = ParserBase_members,
    .tp_getset = ParserBase_getset,
    .tp_new = ParserBase_new,
    .tp_setattro = (setattrofunc)ParserBase_setattro,
};
