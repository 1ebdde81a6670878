/* jsondrip._speedups: shared declarations.
 *
 * Design (see parser.c for the measurements behind it)
 * ------------------------------------------------------
 * The pure-Python Parser (src/jsondrip/_parser.py) is the specification.
 * This extension does not re-implement it: it provides ParserBase, the C base
 * class of jsondrip.Parser, whose struct holds the parser's hot attributes
 * (the same names the Python code uses, as member descriptors), plus C
 * versions of `feed`, `_consume` and `value` that run the common path of the
 * state machine directly on that struct (installed by _backend.accelerate).
 * Whenever the C loop meets anything it does not handle (an error, a limit
 * about to fire, lenient prose, custom parse_int / parse_float, an escape in
 * a key, NaN), it writes its state back and hands the rest of the buffer to
 * the pure-Python loop (`Parser._reference_consume`) on the same state. So
 * the two backends agree by construction on everything the C loop does not
 * do, and the differential tests (tests/test_speedups.py) check the rest.
 *
 * Files: module.c (module init, cached constants), parser.c (the type, feed,
 * value, pickling), scan.c (token scanners over PyUnicode data), utf8.c
 * (UTF-8 helpers), decode.c (RecordDecoder: whole JSON Lines records, for
 * JsonlParser).
 */
#ifndef JSONDRIP_SPEEDUPS_H
#define JSONDRIP_SPEEDUPS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h> /* offsetof: Python.h stopped including it in 3.13 */

/* Parser states: the same small ints as _parser.py (a test checks it). */
enum {
    JD_VALUE = 0,
    JD_ARRAY_FIRST = 1,
    JD_BETWEEN = 2,
    JD_FOUND = 3,
    JD_NUMBER = 4,
    JD_LITERAL = 5,
    JD_AFTER = 6,
    JD_COLON = 7,
    JD_KEY = 8,
    JD_OBJECT_FIRST = 9,
    JD_STRING = 10,
    JD_KEY_STRING = 11,
    JD_DONE = 12,
    JD_FAILED = 13,
    JD_CLOSED = 14
};

/* The Parser attributes the C code reads or writes, as struct members.
 * Each X(name) becomes the member `_name` of ParserBase. Attributes not
 * listed here live in the instance __dict__ as usual. */
#define JD_FIELDS(X)                                                         \
    X(plain) X(watch) X(pending) X(partial_strings)                          \
    X(s_text) X(s_path) X(s_cont) X(s_key) X(s_reported)                     \
    X(k_text) X(stack) X(root) X(root_after)                                 \
    X(multiple) X(lenient) X(hunting) X(max_depth)                           \
    X(max_members) X(max_number_length) X(careful_length) X(literals)      \
    X(literal) X(parse_int) X(parse_float) X(guard)

/* `_frame`, the innermost open container (container, is_object, path,
 * key), kept unpacked: these three and f_is_obj below. A getset builds and
 * takes apart the tuple for the Python code. */
#define JD_FRAME_FIELDS(X) X(f_cont) X(f_path) X(f_key)

/* The integer attributes the C code updates on (almost) every chunk, held
 * as C integers so that no int object is created per chunk. Python sees
 * them as ints (member descriptors), so the reference code and the pickle
 * format are unchanged. */
#define JD_SSIZE_FIELDS(X) X(offset) X(line) X(line_start) X(s_len) X(k_len)

/* How many emptied Delta objects a parser keeps for reuse. */
#define JD_SPARE_DELTAS 8

typedef struct {
    PyObject_HEAD
#define JD_DECLARE(name) PyObject *name;
    JD_FIELDS(JD_DECLARE)
    JD_FRAME_FIELDS(JD_DECLARE)
#undef JD_DECLARE
#define JD_DECLARE(name) Py_ssize_t name;
    JD_SSIZE_FIELDS(JD_DECLARE)
#undef JD_DECLARE
    int state;    /* `_state` */
    int f_is_obj; /* see JD_FRAME_FIELDS */
    /* The limits as C integers, read when `checked` was set. */
    Py_ssize_t c_watch, c_careful_length, c_max_depth, c_max_members, c_max_number_length;
    int c_root_after;
    char deltas;  /* `_deltas`: build deltas (Parser(deltas=...)); 1 by default */
    /* Not state (never pickled or copied): the deltas list feed returned
     * last, and what was left of it for reuse (see "Reusing the deltas" in
     * parser.c). */
    PyObject *last_deltas;            /* as returned, or NULL */
    PyObject *spare_list;             /* emptied, for the next feed, or NULL */
    PyObject *spare[JD_SPARE_DELTAS]; /* emptied Deltas (no items, untracked) */
    int n_spare;
    PyObject *spare_append; /* Delta("append", path, None), or NULL */
    char checked; /* the object fields passed fast_consume_possible and no
                     attribute was set from Python since (see tp_setattro) */
} ParserObject;

/* Cached constants, set once at module init (module.c). */
typedef struct {
    PyTypeObject *delta_type; /* jsondrip._delta.Delta */
    PyObject *op_add;         /* "add" */
    PyObject *op_append;      /* "append" */
    PyObject *op_end;         /* "end" */
    PyObject *empty_str;      /* "" */
    PyObject *empty_tuple;    /* () */
    PyObject *deep_path;      /* jsondrip._delta.DeepPath */
    Py_ssize_t tuple_depth;   /* jsondrip._delta.TUPLE_DEPTH */
    PyObject *name_feed_slow; /* "_feed_slow" */
    PyObject *name_reference_consume; /* "_reference_consume" */
    PyObject *name_fail;      /* "_fail" */
    PyObject *name_scan_error; /* "_ScanError" */
    PyObject *name_pos;       /* "pos" */
    PyObject *name_hunt;      /* "_hunt" */
    PyObject *name_busy;      /* "_busy" */
    PyObject *name_dict;      /* "__dict__" */
    PyObject *name_getstate;  /* "__getstate__" */
    PyObject *newobj;         /* copyreg.__newobj__ */
} jd_constants;

extern jd_constants JD;
extern PyTypeObject JD_ParserBaseType;

/* scan.c ---------------------------------------------------------------- */

/* End of the run of plain string characters (not '"', '\\', < 0x20) from pos. */
Py_ssize_t jd_string_run(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n);

/* The value of one hex digit, or -1. */
int jd_hex_value(Py_UCS4 c);

/* Skip JSON whitespace from pos. */
Py_ssize_t jd_whitespace_run(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n);

/* Outcome of the escape and number scanners. */
#define JD_NEED_MORE (-1) /* the token reaches the end of the buffer */
#define JD_BAD (-2)       /* malformed: the Python reference reports it */

/* Decode the escape at the backslash data[pos]: returns the index after it
 * (and the code point in *out), JD_NEED_MORE or JD_BAD. A high surrogate
 * waits for its low half exactly like _scanner.scan_escape. */
Py_ssize_t jd_scan_escape(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n,
                          Py_UCS4 *out);

/* End of the number starting at pos (a port of _scanner.scan_number with
 * final=False): the index after it, JD_NEED_MORE or JD_BAD. *is_float is set
 * when it has a fraction or an exponent. */
Py_ssize_t jd_scan_number(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n,
                          int *is_float);

/* The int or float for the number text data[pos:end] (parse_int=int,
 * parse_float=float); NULL with an exception set on failure. */
PyObject *jd_number_value(PyObject *buf, int kind, const void *data, Py_ssize_t pos,
                          Py_ssize_t end, int is_float);

/* Count '\n' in data[0:end] and find the last one (-1 if none). */
Py_ssize_t jd_count_newlines(int kind, const void *data, Py_ssize_t end, Py_ssize_t *last);

/* utf8.c --------------------------------------------------------------- */

/* Decode the UTF-8 sequence at s[0:n] (strict): its length, the code point in
 * *out; -1 if it is invalid or cut. */
Py_ssize_t jd_utf8_char(const unsigned char *s, Py_ssize_t n, Py_UCS4 *out);

/* Parser.feed(bytes) in C: feeds the decoded text with `feed` (the C str
 * path), keeping a cut character in the reference's codecs decoder. Returns
 * 0 when it does not handle the chunk (nothing changed: use _feed_slow);
 * else 1, with *result the deltas or NULL and an exception. `plain` is the
 * parser's _plain (then it holds no bytes). */
typedef PyObject *(*jd_feed_text)(PyObject *self, PyObject *text);
int jd_feed_utf8(PyObject *self, PyObject *chunk, int plain, jd_feed_text feed,
                 PyObject **result);

/* decode.c ------------------------------------------------------------- */

/* RecordDecoder: whole JSON Lines records in C (for JsonlParser). */
extern PyTypeObject JD_RecordDecoderType;

#endif /* JSONDRIP_SPEEDUPS_H */
