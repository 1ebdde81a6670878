/* jsondrip._speedups: RecordDecoder, whole JSON Lines records in C.
 *
 * Design
 * ------
 * JsonlParser (src/jsondrip/_jsonl.py) hands every complete line to a
 * json.JSONDecoder and falls back to the incremental Parser for the rare
 * lines that decoder rejects or that could pass a limit. Per line, that costs
 * a Python-level loop iteration, a slice and a decode() call on top of the
 * parse, plus the decode of a bytes chunk into a str first. RecordDecoder.lines
 * does the framing and the decoding of a run of complete lines in one C call,
 * straight from the bytes chunk (or the str chunk), appending the records to
 * the caller's list, and says where it stopped.
 *
 * It decides a line only when the answer is certain to be the one the Python
 * path gives: a line that is valid strict RFC 8259 JSON, no longer than the
 * parser's check_length, without more '[' and '{' than max_depth, is exactly
 * json.loads(line) there (same values and types; duplicate keys: the last
 * wins, at the first one's place; lone surrogate escapes are kept, as
 * json.loads keeps them). A blank line is skipped as there. Anything else
 * (a syntax error, NaN or Infinity, invalid UTF-8, an int that int() refuses,
 * nesting deeper than C_DEPTH_LIMIT, a long line) makes it stop before that
 * line, without an exception: the Python code then decides that one line as
 * it always did, so every error, message and position stays the same.
 *
 * Object keys that are plain ASCII are kept in a small per-decoder table
 * (one decoder per JsonlParser): JSON Lines repeat their keys, and a cached
 * key is a new reference to the same str, whose hash is already computed.
 * Recursion is bounded by C_DEPTH_LIMIT, so deep input cannot overflow the C
 * stack (deeper lines go to the Python path, which has its own limits).
 */
#include "speedups.h"

#include <stdint.h>
#include <string.h>

#define C_DEPTH_LIMIT 256
#define KEY_SLOTS 1024 /* a power of two */
#define KEY_MAX_ENTRIES (KEY_SLOTS / 2)
#define KEY_MAX_LENGTH 64
#define NUMBER_STACK 64

typedef struct {
    uint64_t hash;
    Py_ssize_t length;
    PyObject *key; /* an ASCII str, or NULL for a free slot */
} KeySlot;

typedef struct {
    PyObject_HEAD
    Py_ssize_t check_length;
    Py_ssize_t max_depth;
    Py_ssize_t max_record;
    Py_ssize_t n_keys;
    KeySlot *keys;
} RecordDecoder;

/* One line being decoded. Functions return a new reference, or NULL: with an
 * exception set (a real error, e.g. MemoryError) or without (not decided
 * here: the Python path takes the line). */
typedef struct {
    RecordDecoder *d;
    int kind; /* 0 for UTF-8 bytes, else the PyUnicode kind */
    const void *data;
    Py_ssize_t end; /* the end of the line */
    int depth_left;
    int nonascii; /* bytes: a multi-byte character was read */
} Reader;

static inline Py_UCS4
at(const Reader *r, Py_ssize_t i)
{
    switch (r->kind) {
    case 0:
    case PyUnicode_1BYTE_KIND:
        return ((const Py_UCS1 *)r->data)[i];
    case PyUnicode_2BYTE_KIND:
        return ((const Py_UCS2 *)r->data)[i];
    default:
        return ((const Py_UCS4 *)r->data)[i];
    }
}

static inline Py_ssize_t
skip_blank(const Reader *r, Py_ssize_t i)
{
    /* '\n' never occurs inside a line. */
    while (i < r->end) {
        Py_UCS4 c = at(r, i);
        if (c != ' ' && c != '\t' && c != '\r') {
            break;
        }
        i++;
    }
    return i;
}

static PyObject *value(Reader *r, Py_ssize_t *pos);

/* ---- strings -------------------------------------------------------------- */

static PyObject *
ascii_str(const Py_UCS1 *s, Py_ssize_t n)
{
    if (n == 1) {
        return PyUnicode_FromOrdinal(s[0]); /* CPython's one-character cache */
    }
    PyObject *str = PyUnicode_New(n, 127);
    if (str != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(str), s, (size_t)n);
    }
    return str;
}

/* An ASCII key from the decoder's table (added to it if there is room). */
static PyObject *
cached_key(RecordDecoder *d, const Py_UCS1 *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 1099511628211ULL;
    }
    size_t slot = (size_t)h & (KEY_SLOTS - 1);
    for (;;) {
        KeySlot *k = &d->keys[slot];
        if (k->key == NULL) {
            PyObject *key = ascii_str(s, n);
            if (key != NULL && d->n_keys < KEY_MAX_ENTRIES) {
                Py_INCREF(key);
                k->key = key;
                k->hash = h;
                k->length = n;
                d->n_keys++;
            }
            return key;
        }
        if (k->hash == h && k->length == n &&
            memcmp(PyUnicode_1BYTE_DATA(k->key), s, (size_t)n) == 0) {
            Py_INCREF(k->key);
            return k->key;
        }
        slot = (slot + 1) & (KEY_SLOTS - 1);
    }
}

/* The four hex digits at i, or -1. */
static long
hex4(const Reader *r, Py_ssize_t i)
{
    if (i + 4 > r->end) {
        return -1;
    }
    long code = 0;
    for (Py_ssize_t j = i; j < i + 4; j++) {
        int digit = jd_hex_value(at(r, j));
        if (digit < 0) {
            return -1;
        }
        code = code * 16 + digit;
    }
    return code;
}

/* The general string decoder: escapes, and any kind of input. */
static PyObject *
string_slow(Reader *r, Py_ssize_t start, Py_ssize_t *pos)
{
    Py_ssize_t end = r->end;
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(end - start + 1));
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t n = 0;
    Py_ssize_t i = start;
    for (;;) {
        if (i >= end) {
            goto bail;
        }
        Py_UCS4 c = at(r, i);
        if (c == '"') {
            break;
        }
        if (c == '\\') {
            if (i + 1 >= end) {
                goto bail;
            }
            Py_UCS4 e = at(r, i + 1);
            i += 2;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                c = e;
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                long code = hex4(r, i);
                if (code < 0) {
                    goto bail;
                }
                i += 4;
                c = (Py_UCS4)code;
                /* A high surrogate followed by an escaped low one is a pair;
                 * any other surrogate stays alone, as json.loads keeps it. */
                if (c >= 0xD800 && c <= 0xDBFF && i + 1 < end && at(r, i) == '\\' &&
                    at(r, i + 1) == 'u') {
                    long low = hex4(r, i + 2);
                    if (low < 0) {
                        goto bail;
                    }
                    if (low >= 0xDC00 && low <= 0xDFFF) {
                        c = 0x10000 + (((c - 0xD800) << 10) | ((Py_UCS4)low - 0xDC00));
                        i += 6;
                    }
                }
                break;
            }
            default:
                goto bail;
            }
        }
        else if (c < 0x20) {
            goto bail;
        }
        else if (r->kind == 0 && c >= 0x80) {
            Py_ssize_t len = jd_utf8_char((const unsigned char *)r->data + i, end - i, &c);
            if (len < 0) {
                goto bail;
            }
            r->nonascii = 1;
            i += len;
        }
        else {
            i++;
        }
        out[n++] = c;
    }
    *pos = i + 1;
    PyObject *str = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    PyMem_Free(out);
    return str;
bail:
    PyMem_Free(out);
    return NULL;
}

/* The string whose opening quote is at *pos. */
static PyObject *
string(Reader *r, Py_ssize_t *pos, int is_key)
{
    Py_ssize_t start = *pos + 1;
    Py_ssize_t end = r->end;
    Py_ssize_t i = start;
    if (r->kind > PyUnicode_1BYTE_KIND) {
        for (; i < end; i++) {
            Py_UCS4 c = at(r, i);
            if (c == '"' || c == '\\' || c < 0x20) {
                break;
            }
        }
        if (i >= end || at(r, i) != '"') {
            return string_slow(r, start, pos);
        }
        *pos = i + 1;
        return PyUnicode_FromKindAndData(r->kind, (const char *)r->data + start * r->kind,
                                         i - start);
    }
    const Py_UCS1 *s = (const Py_UCS1 *)r->data;
    Py_UCS1 high = 0;
    for (; i < end; i++) {
        Py_UCS1 c = s[i];
        if (c == '"' || c == '\\' || c < 0x20) {
            break;
        }
        high |= c;
    }
    if (i >= end || s[i] != '"') {
        return string_slow(r, start, pos);
    }
    Py_ssize_t n = i - start;
    *pos = i + 1;
    if (!(high & 0x80)) {
        if (is_key && n <= KEY_MAX_LENGTH) {
            return cached_key(r->d, s + start, n);
        }
        return ascii_str(s + start, n);
    }
    if (r->kind == PyUnicode_1BYTE_KIND) {
        return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s + start, n);
    }
    r->nonascii = 1;
    PyObject *str = PyUnicode_DecodeUTF8((const char *)s + start, n, "strict");
    if (str == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear(); /* the Python path reports the bad byte */
    }
    return str;
}

/* ---- numbers, literals ---------------------------------------------------- */

static PyObject *
number(Reader *r, Py_ssize_t *pos)
{
    Py_ssize_t start = *pos, i = start, end = r->end;
    int negative = 0, is_float = 0;
    if (at(r, i) == '-') {
        negative = 1;
        i++;
    }
    if (i >= end) {
        return NULL;
    }
    Py_UCS4 c = at(r, i);
    if (c == '0') {
        i++;
    }
    else if (c >= '1' && c <= '9') {
        while (i < end && (c = at(r, i)) >= '0' && c <= '9') {
            i++;
        }
    }
    else {
        return NULL;
    }
    Py_ssize_t int_end = i;
    if (i < end && at(r, i) == '.') {
        i++;
        Py_ssize_t digits = i;
        while (i < end && (c = at(r, i)) >= '0' && c <= '9') {
            i++;
        }
        if (i == digits) {
            return NULL;
        }
        is_float = 1;
    }
    if (i < end && ((c = at(r, i)) == 'e' || c == 'E')) {
        i++;
        if (i < end && ((c = at(r, i)) == '+' || c == '-')) {
            i++;
        }
        Py_ssize_t digits = i;
        while (i < end && (c = at(r, i)) >= '0' && c <= '9') {
            i++;
        }
        if (i == digits) {
            return NULL;
        }
        is_float = 1;
    }
    *pos = i;
    if (!is_float && int_end - start - negative <= 18) {
        long long v = 0;
        for (Py_ssize_t j = start + negative; j < int_end; j++) {
            v = v * 10 + (long long)(at(r, j) - '0');
        }
        return PyLong_FromLongLong(negative ? -v : v);
    }
    /* A NUL-terminated copy for float() / int() (ASCII only by now). */
    Py_ssize_t n = i - start;
    char stack[NUMBER_STACK];
    char *text = n < NUMBER_STACK ? stack : PyMem_Malloc((size_t)n + 1);
    if (text == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t j = 0; j < n; j++) {
        text[j] = (char)at(r, start + j);
    }
    text[n] = '\0';
    PyObject *result;
    if (is_float) {
        char *stop;
        double d = PyOS_string_to_double(text, &stop, NULL); /* as float(text) */
        result = (d == -1.0 && PyErr_Occurred()) || stop != text + n ? NULL : PyFloat_FromDouble(d);
    }
    else {
        result = PyLong_FromString(text, NULL, 10); /* int(text), its digit limit too */
    }
    if (text != stack) {
        PyMem_Free(text);
    }
    if (result == NULL && !PyErr_ExceptionMatches(PyExc_MemoryError)) {
        PyErr_Clear(); /* e.g. int_max_str_digits: the Python path reports it */
    }
    return result;
}

static PyObject *
literal(Reader *r, Py_ssize_t *pos, const char *word, PyObject *v)
{
    Py_ssize_t i = *pos;
    size_t n = strlen(word);
    if (i + (Py_ssize_t)n > r->end) {
        return NULL;
    }
    for (size_t j = 0; j < n; j++) {
        if (at(r, i + (Py_ssize_t)j) != (Py_UCS4)(unsigned char)word[j]) {
            return NULL;
        }
    }
    *pos = i + (Py_ssize_t)n;
    Py_INCREF(v);
    return v;
}

/* ---- containers ----------------------------------------------------------- */

static PyObject *
array(Reader *r, Py_ssize_t *pos)
{
    if (--r->depth_left < 0) {
        return NULL;
    }
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    Py_ssize_t i = skip_blank(r, *pos + 1);
    if (i < r->end && at(r, i) == ']') {
        i++;
        goto done;
    }
    for (;;) {
        PyObject *item = value(r, &i);
        if (item == NULL) {
            goto bail;
        }
        int rc = PyList_Append(list, item);
        Py_DECREF(item);
        if (rc < 0) {
            goto bail;
        }
        i = skip_blank(r, i);
        if (i >= r->end) {
            goto bail;
        }
        Py_UCS4 c = at(r, i);
        if (c == ']') {
            i++;
            break;
        }
        if (c != ',') {
            goto bail;
        }
        i = skip_blank(r, i + 1);
    }
done:
    r->depth_left++;
    *pos = i;
    return list;
bail:
    Py_DECREF(list);
    return NULL;
}

static PyObject *
object(Reader *r, Py_ssize_t *pos)
{
    if (--r->depth_left < 0) {
        return NULL;
    }
    PyObject *dict = PyDict_New();
    if (dict == NULL) {
        return NULL;
    }
    Py_ssize_t i = skip_blank(r, *pos + 1);
    if (i < r->end && at(r, i) == '}') {
        i++;
        goto done;
    }
    for (;;) {
        if (i >= r->end || at(r, i) != '"') {
            goto bail;
        }
        PyObject *key = string(r, &i, 1);
        if (key == NULL) {
            goto bail;
        }
        i = skip_blank(r, i);
        if (i >= r->end || at(r, i) != ':') {
            Py_DECREF(key);
            goto bail;
        }
        i = skip_blank(r, i + 1);
        PyObject *item = value(r, &i);
        if (item == NULL) {
            Py_DECREF(key);
            goto bail;
        }
        int rc = PyDict_SetItem(dict, key, item); /* a repeated key: the last wins */
        Py_DECREF(key);
        Py_DECREF(item);
        if (rc < 0) {
            goto bail;
        }
        i = skip_blank(r, i);
        if (i >= r->end) {
            goto bail;
        }
        Py_UCS4 c = at(r, i);
        if (c == '}') {
            i++;
            break;
        }
        if (c != ',') {
            goto bail;
        }
        i = skip_blank(r, i + 1);
    }
done:
    r->depth_left++;
    *pos = i;
    return dict;
bail:
    Py_DECREF(dict);
    return NULL;
}

/* The value at *pos (whitespace already skipped). */
static PyObject *
value(Reader *r, Py_ssize_t *pos)
{
    if (*pos >= r->end) {
        return NULL;
    }
    switch (at(r, *pos)) {
    case '"':
        return string(r, pos, 0);
    case '{':
        return object(r, pos);
    case '[':
        return array(r, pos);
    case 't':
        return literal(r, pos, "true", Py_True);
    case 'f':
        return literal(r, pos, "false", Py_False);
    case 'n':
        return literal(r, pos, "null", Py_None);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        return number(r, pos);
    default:
        return NULL; /* NaN, Infinity, a BOM, a syntax error... */
    }
}

/* ---- lines ---------------------------------------------------------------- */

static Py_ssize_t
count_brackets(const Reader *r, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t n = 0;
    if (r->kind <= PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *s = (const Py_UCS1 *)r->data;
        for (Py_ssize_t i = start; i < end; i++) {
            n += (s[i] == '[') | (s[i] == '{');
        }
        return n;
    }
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = at(r, i);
        n += (c == '[') | (c == '{');
    }
    return n;
}

#define DECIDED 0
#define BLANK 1
#define UNDECIDED 2
#define ERROR (-1)

/* Decode the line data[start:end] into *out (see the design above). */
static int
line(Reader *r, Py_ssize_t start, PyObject **out)
{
    RecordDecoder *d = r->d;
    Py_ssize_t length = r->end - start; /* bytes >= characters: errs on "undecided" */
    Py_ssize_t i = skip_blank(r, start);
    if (i == r->end) {
        return length <= d->max_record ? BLANK : UNDECIDED;
    }
    /* JsonlParser._complete_lines sends these to Parser, whatever they hold. */
    if (length > d->check_length ||
        (length > d->max_depth && count_brackets(r, start, r->end) > d->max_depth)) {
        return UNDECIDED;
    }
    r->depth_left = C_DEPTH_LIMIT;
    PyObject *v = value(r, &i);
    if (v == NULL) {
        return PyErr_Occurred() ? ERROR : UNDECIDED;
    }
    if (skip_blank(r, i) != r->end) {
        Py_DECREF(v); /* more than one value */
        return UNDECIDED;
    }
    *out = v;
    return DECIDED;
}

static Py_ssize_t
find_newline(int kind, const void *data, Py_ssize_t start, Py_ssize_t stop)
{
    if (kind <= PyUnicode_1BYTE_KIND) {
        const char *s = (const char *)data;
        const char *nl = memchr(s + start, '\n', (size_t)(stop - start));
        return nl == NULL ? -1 : nl - s;
    }
    for (Py_ssize_t i = start; i < stop; i++) {
        if (PyUnicode_READ(kind, data, i) == '\n') {
            return i;
        }
    }
    return -1;
}

/* Characters in the UTF-8 bytes s[start:end]. */
static Py_ssize_t
utf8_length(const unsigned char *s, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t n = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        n += (s[i] & 0xC0) != 0x80;
    }
    return n;
}

/* Buffers at least this long pause the cyclic GC (as in parser.c): the
 * records are new containers that hold no cycles. */
#define GC_PAUSE_MIN 16384

PyDoc_STRVAR(lines_doc,
             "lines(buf, pos, last, records, /)\n--\n\n"
             "Decode the complete lines buf[pos:last] (buf[last] is '\\n') into records.\n"
             "\n"
             "Stops before the first line it does not decide itself.\n"
             "Returns (stop, lines, characters): where it stopped (last + 1 when every\n"
             "line was decided), how many lines it consumed (blank ones included) and\n"
             "how many characters they hold with their newlines (decoded characters\n"
             "when buf is UTF-8 bytes).");

static PyObject *
RecordDecoder_lines(RecordDecoder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "lines(buf, pos, last, records)");
        return NULL;
    }
    PyObject *buf = args[0], *records = args[3];
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    Py_ssize_t last = PyLong_AsSsize_t(args[2]);
    if ((pos == -1 || last == -1) && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyList_Check(records)) {
        PyErr_SetString(PyExc_TypeError, "records must be a list");
        return NULL;
    }
    Reader r;
    Py_ssize_t size;
    r.d = self;
    if (PyBytes_CheckExact(buf)) {
        r.kind = 0;
        r.data = PyBytes_AS_STRING(buf);
        size = PyBytes_GET_SIZE(buf);
    }
    else if (PyUnicode_CheckExact(buf)) {
        r.kind = PyUnicode_KIND(buf);
        r.data = PyUnicode_DATA(buf);
        size = PyUnicode_GET_LENGTH(buf);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "buf must be str or bytes");
        return NULL;
    }
    if (pos < 0 || last < pos - 1 || last >= size) {
        PyErr_SetString(PyExc_ValueError, "lines: bad bounds");
        return NULL;
    }
    Py_ssize_t lines = 0, chars = 0;
    int paused = last - pos >= GC_PAUSE_MIN && PyGC_Disable();
    int failed = 0;
    while (pos <= last) {
        Py_ssize_t nl = find_newline(r.kind, r.data, pos, last + 1);
        if (nl < 0) {
            break; /* buf[last] is not a newline: leave it to the caller */
        }
        r.end = nl;
        r.nonascii = 0;
        PyObject *record = NULL;
        int rc = line(&r, pos, &record);
        if (rc == ERROR) {
            failed = 1;
            break;
        }
        if (rc == UNDECIDED) {
            break;
        }
        if (rc == DECIDED) {
            int appended = PyList_Append(records, record);
            Py_DECREF(record);
            if (appended < 0) {
                failed = 1;
                break;
            }
        }
        chars += r.nonascii ? utf8_length((const unsigned char *)r.data, pos, nl) + 1 : nl - pos + 1;
        lines++;
        pos = nl + 1;
    }
    if (paused) {
        PyGC_Enable();
    }
    if (failed) {
        return NULL;
    }
    return Py_BuildValue("(nnn)", pos, lines, chars);
}

/* ---- the type ------------------------------------------------------------- */

static PyObject *
RecordDecoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"check_length", "max_depth", "max_record", NULL};
    Py_ssize_t check_length, max_depth, max_record;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "nnn:RecordDecoder", names, &check_length,
                                     &max_depth, &max_record)) {
        return NULL;
    }
    RecordDecoder *self = (RecordDecoder *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->keys = PyMem_Calloc(KEY_SLOTS, sizeof(KeySlot));
    if (self->keys == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->check_length = check_length;
    self->max_depth = max_depth;
    self->max_record = max_record;
    self->n_keys = 0;
    return (PyObject *)self;
}

static void
RecordDecoder_dealloc(RecordDecoder *self)
{
    if (self->keys != NULL) {
        for (Py_ssize_t i = 0; i < KEY_SLOTS; i++) {
            Py_XDECREF(self->keys[i].key);
        }
        PyMem_Free(self->keys);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
RecordDecoder_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    PyErr_Format(PyExc_TypeError, "cannot pickle '%s' object", Py_TYPE(self)->tp_name);
    return NULL;
}

static PyMethodDef RecordDecoder_methods[] = {
    {"lines", (PyCFunction)(void (*)(void))RecordDecoder_lines, METH_FASTCALL, lines_doc},
    {"__reduce__", RecordDecoder_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(RecordDecoder_doc,
             "RecordDecoder(check_length, max_depth, max_record)\n--\n\n"
             "Whole JSON Lines records in C, for JsonlParser (not a public API).");

PyTypeObject JD_RecordDecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "jsondrip._speedups.RecordDecoder",
    .tp_basicsize = sizeof(RecordDecoder),
    .tp_dealloc = (destructor)RecordDecoder_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = RecordDecoder_doc,
    .tp_methods = RecordDecoder_methods,
    .tp_new = RecordDecoder_new,
};
