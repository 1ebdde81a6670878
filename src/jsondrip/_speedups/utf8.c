/* jsondrip._speedups: UTF-8 helpers.
 *
 * Two small pieces, both strict and both "all or nothing": they never report
 * an error themselves. Anything but clean UTF-8 is left to the pure-Python
 * code, which produces the exact error message and position.
 *
 * - jd_utf8_char decodes one multi-byte sequence (used by the JSONL record
 *   decoder inside strings that also hold escapes);
 * - jd_utf8_whole decodes a whole bytes chunk for Parser.feed when it is
 *   valid UTF-8 and does not end inside a character (the common case), so
 *   the chunk can take the C str path without the codecs decoder.
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

PyObject *
jd_utf8_whole(PyObject *chunk)
{
    Py_ssize_t n = PyBytes_GET_SIZE(chunk);
    Py_ssize_t consumed = 0;
    PyObject *text = PyUnicode_DecodeUTF8Stateful(PyBytes_AS_STRING(chunk), n, "strict",
                                                  &consumed);
    if (text == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear();
        }
        return NULL;
    }
    if (consumed != n) {
        Py_DECREF(text); /* ends inside a character: the decoder keeps the tail */
        return NULL;
    }
    return text;
}
