/* jsondrip._speedups: UTF-8 helpers.
 *
 * Two small pieces, both strict and both "all or nothing": they never report
 * an error themselves. Anything but clean UTF-8 is left to the pure-Python
 * code, which produces the exact error message and position.
 *
 * - jd_utf8_char decodes one multi-byte sequence (used by the JSONL record
 *   decoder inside strings that also hold escapes);
 * - jd_feed_utf8 is Parser.feed for a bytes chunk: it decodes the bytes the
 *   parser's codecs decoder holds (a character cut by the last chunk) and
 *   the chunk, feeds the text through the C str path, and leaves a cut
 *   character at the end in that decoder, as Parser._feed_slow would. Invalid
 *   UTF-8, a failed or closed parser, anything unexpected: not handled, and
 *   nothing changed, so _feed_slow does it all, errors included.
 */
#include "speedups.h"

Py_ssize_t
jd_utf8_char(const unsigned char *s, Py_ssize_t n, Py_UCS4 *out)
{
    unsigned char c = s[0];
    Py_UCS4 cp;
    Py_ssize_t len;
    if (c < 0x80) {
        *out = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    }
    else {
        return -1;
    }
    if (n < len) {
        return -1;
    }
    for (Py_ssize_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return -1;
    }
    *out = cp;
    return len;
}

/* Interned attribute names and codecs' UTF-8 incremental decoder class
 * (constants, created at the first bytes feed). */
static PyObject *s_decoder, *s_getstate, *s_setstate, *s_state, *s_hunting, *s_at_start,
    *s_announce_root, *s_plain, *empty_state, *decoder_class;

static int
init_names(void)
{
    if (decoder_class != NULL) {
        return 0;
    }
    s_decoder = PyUnicode_InternFromString("_decoder");
    s_getstate = PyUnicode_InternFromString("getstate");
    s_setstate = PyUnicode_InternFromString("setstate");
    s_state = PyUnicode_InternFromString("_state");
    s_hunting = PyUnicode_InternFromString("_hunting");
    s_at_start = PyUnicode_InternFromString("_at_start");
    s_announce_root = PyUnicode_InternFromString("_announce_root");
    s_plain = PyUnicode_InternFromString("_plain");
    empty_state = Py_BuildValue("(yi)", "", 0);
    if (s_decoder == NULL || s_getstate == NULL || s_setstate == NULL || s_state == NULL ||
        s_hunting == NULL || s_at_start == NULL || s_announce_root == NULL || s_plain == NULL ||
        empty_state == NULL) {
        return -1;
    }
    PyObject *codecs = PyImport_ImportModule("codecs");
    if (codecs == NULL) {
        return -1;
    }
    decoder_class = PyObject_CallMethod(codecs, "getincrementaldecoder", "s", "utf-8");
    Py_DECREF(codecs);
    return decoder_class == NULL ? -1 : 0;
}

/* The bytes the parser's decoder holds (a new reference), or NULL without
 * an exception when anything is unexpected. *decoder gets the decoder. */
static PyObject *
held_bytes(PyObject *self, PyObject **decoder)
{
    PyObject *d = PyObject_GetAttr(self, s_decoder);
    if (d == NULL || d == Py_None) {
        Py_XDECREF(d);
        PyErr_Clear();
        return NULL;
    }
    PyObject *state = PyObject_CallMethodNoArgs(d, s_getstate);
    if (state == NULL || !PyTuple_Check(state) || PyTuple_GET_SIZE(state) != 2 ||
        !PyBytes_CheckExact(PyTuple_GET_ITEM(state, 0))) {
        Py_XDECREF(state);
        Py_DECREF(d);
        PyErr_Clear();
        return NULL;
    }
    PyObject *held = PyTuple_GET_ITEM(state, 0);
    Py_INCREF(held);
    Py_DECREF(state);
    *decoder = d;
    return held;
}

/* Is attribute `name` of self the object `expected`? */
static int
attr_is(PyObject *self, PyObject *name, PyObject *expected)
{
    PyObject *v = PyObject_GetAttr(self, name);
    if (v == NULL) {
        PyErr_Clear();
        return 0;
    }
    Py_DECREF(v);
    return v == expected;
}

/* Is the parser healthy (not failed or closed), past its first text, and not
 * hunting: what _plain says, but for the held bytes? */
static int
plain_but_held(PyObject *self)
{
    PyObject *state = PyObject_GetAttr(self, s_state);
    if (state == NULL) {
        PyErr_Clear();
        return -1;
    }
    long value = PyLong_Check(state) ? PyLong_AsLong(state) : -1;
    Py_DECREF(state);
    if (value < 0 || value == JD_FAILED || value == JD_CLOSED) {
        PyErr_Clear();
        return -1; /* not handled at all: the reference raises */
    }
    return attr_is(self, s_hunting, Py_False) && attr_is(self, s_at_start, Py_False) &&
           attr_is(self, s_announce_root, Py_False);
}

/* Keep the undecoded tail where the reference keeps it: in the codecs
 * decoder of Parser._decoder (created as _feed_slow creates it). */
static int
hold(PyObject *self, PyObject *decoder, PyObject *tail)
{
    PyObject *d = decoder;
    if (d == NULL) {
        d = PyObject_GetAttr(self, s_decoder);
        if (d == NULL) {
            return -1;
        }
        if (d == Py_None) {
            Py_DECREF(d);
            d = PyObject_CallFunction(decoder_class, "s", "strict");
            if (d == NULL || PyObject_SetAttr(self, s_decoder, d) < 0) {
                Py_XDECREF(d);
                return -1;
            }
        }
    }
    PyObject *state = Py_BuildValue("(Oi)", tail, 0);
    PyObject *r = state ? PyObject_CallMethodOneArg(d, s_setstate, state) : NULL;
    Py_XDECREF(state);
    if (d != decoder) {
        Py_DECREF(d);
    }
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return PyObject_SetAttr(self, s_plain, Py_False);
}

int
jd_feed_utf8(PyObject *self, PyObject *chunk, int plain, jd_feed_text feed, PyObject **result)
{
    *result = NULL;
    if (init_names() < 0) {
        return 1;
    }
    PyObject *decoder = NULL, *held = NULL, *buf = chunk;
    int reopen = 0;
    int handled = 1; /* 0 only at not_handled: nothing was changed */
    if (!plain) {
        held = held_bytes(self, &decoder);
        if (held == NULL || PyBytes_GET_SIZE(held) == 0) {
            goto not_handled;
        }
        reopen = plain_but_held(self);
        if (reopen < 0) {
            goto not_handled;
        }
        buf = PyBytes_FromStringAndSize(NULL, PyBytes_GET_SIZE(held) + PyBytes_GET_SIZE(chunk));
        if (buf == NULL) {
            goto error;
        }
        memcpy(PyBytes_AS_STRING(buf), PyBytes_AS_STRING(held), (size_t)PyBytes_GET_SIZE(held));
        memcpy(PyBytes_AS_STRING(buf) + PyBytes_GET_SIZE(held), PyBytes_AS_STRING(chunk),
               (size_t)PyBytes_GET_SIZE(chunk));
    }
    Py_ssize_t n = PyBytes_GET_SIZE(buf), consumed = 0;
    PyObject *text = PyUnicode_DecodeUTF8Stateful(PyBytes_AS_STRING(buf), n, "strict", &consumed);
    if (text == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            goto error;
        }
        PyErr_Clear(); /* the reference reports it, from the same decoder state */
        goto not_handled;
    }
    PyObject *tail = NULL;
    if (consumed < n) {
        tail = PyBytes_FromStringAndSize(PyBytes_AS_STRING(buf) + consumed, n - consumed);
        if (tail == NULL) {
            Py_DECREF(text);
            goto error;
        }
    }
    if (held != NULL) {
        /* The held bytes are decoded now: the parser is plain again. */
        PyObject *r = PyObject_CallMethodOneArg(decoder, s_setstate, empty_state);
        Py_XDECREF(r);
        if (r == NULL || (reopen && PyObject_SetAttr(self, s_plain, Py_True) < 0)) {
            Py_DECREF(text);
            Py_XDECREF(tail);
            goto error;
        }
    }
    *result = feed(self, text);
    Py_DECREF(text);
    if (tail != NULL) {
        /* As in the reference, the tail is held even when the text failed. */
        PyObject *exc_type, *exc_value, *exc_tb;
        PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
        if (hold(self, decoder, tail) < 0) {
            Py_CLEAR(*result);
            Py_XDECREF(exc_type);
            Py_XDECREF(exc_value);
            Py_XDECREF(exc_tb);
        }
        else {
            PyErr_Restore(exc_type, exc_value, exc_tb);
        }
        Py_DECREF(tail);
    }
    goto done;
not_handled:
    handled = 0;
error:
done:
    if (buf != chunk) {
        Py_XDECREF(buf);
    }
    Py_XDECREF(held);
    Py_XDECREF(decoder);
    return handled;
}
