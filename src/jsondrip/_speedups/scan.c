/* jsondrip._speedups: token scanners over PyUnicode data.
 *
 * Like CPython's Modules/_json.c (scanstring_unicode), these walk the text
 * by PyUnicode_KIND / PyUnicode_DATA without copying. They only *recognise*
 * tokens: a malformed one is reported as JD_BAD and the caller hands it to
 * the pure-Python scanner (_scanner.py), which produces the exact error
 * message and position. That keeps one source of truth for every message.
 */
#include "speedups.h"

Py_ssize_t
jd_string_run(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n)
{
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *s = (const Py_UCS1 *)data;
        while (pos < n) {
            Py_UCS1 c = s[pos];
            if (c == '"' || c == '\\' || c < 0x20) {
                break;
            }
            pos++;
        }
        return pos;
    }
    while (pos < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, pos);
        if (c == '"' || c == '\\' || c < 0x20) {
            break;
        }
        pos++;
    }
    return pos;
}

Py_ssize_t
jd_whitespace_run(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n)
{
    while (pos < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        pos++;
    }
    return pos;
}

int
jd_hex_value(Py_UCS4 c)
{
    if (c >= '0' && c <= '9') {
        return (int)(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return (int)(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return (int)(c - 'A' + 10);
    }
    return -1;
}

/* Four hex digits at start: the code, JD_NEED_MORE or JD_BAD. */
static long
hex4(int kind, const void *data, Py_ssize_t start, Py_ssize_t n)
{
    long code = 0;
    for (Py_ssize_t i = start; i < start + 4; i++) {
        if (i >= n) {
            return JD_NEED_MORE;
        }
        int digit = jd_hex_value(PyUnicode_READ(kind, data, i));
        if (digit < 0) {
            return JD_BAD;
        }
        code = code * 16 + digit;
    }
    return code;
}

Py_ssize_t
jd_scan_escape(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n, Py_UCS4 *out)
{
    if (pos + 1 >= n) {
        return JD_NEED_MORE;
    }
    Py_UCS4 c = PyUnicode_READ(kind, data, pos + 1);
    switch (c) {
    case '"': *out = '"'; return pos + 2;
    case '\\': *out = '\\'; return pos + 2;
    case '/': *out = '/'; return pos + 2;
    case 'b': *out = '\b'; return pos + 2;
    case 'f': *out = '\f'; return pos + 2;
    case 'n': *out = '\n'; return pos + 2;
    case 'r': *out = '\r'; return pos + 2;
    case 't': *out = '\t'; return pos + 2;
    case 'u': break;
    default: return JD_BAD;
    }
    long code = hex4(kind, data, pos + 2, n);
    if (code < 0) {
        return (Py_ssize_t)code;
    }
    Py_ssize_t end = pos + 6;
    if (code >= 0xD800 && code <= 0xDBFF) {
        /* A high surrogate: wait until a low surrogate escape (\uDC00 to
         * \uDFFF) follows or is ruled out, at its first character that
         * cannot continue one (_scanner.low_surrogate_mismatch). */
        long low = 0;
        for (Py_ssize_t i = 0; i < 6; i++) {
            if (end + i >= n) {
                return JD_NEED_MORE;
            }
            Py_UCS4 ch = PyUnicode_READ(kind, data, end + i);
            int ok;
            switch (i) {
            case 0: ok = ch == '\\'; break;
            case 1: ok = ch == 'u'; break;
            case 2: ok = ch == 'd' || ch == 'D'; break;
            case 3: ok = (ch >= 'c' && ch <= 'f') || (ch >= 'C' && ch <= 'F'); break;
            default: ok = jd_hex_value(ch) >= 0;
            }
            if (!ok) {
                *out = (Py_UCS4)code; /* a lone high surrogate */
                return end;
            }
            if (i >= 2) {
                low = low * 16 + jd_hex_value(ch);
            }
        }
        *out = (Py_UCS4)(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00));
        return end + 6;
    }
    *out = (Py_UCS4)code;
    return end;
}

/* Number automaton states (as in _scanner.scan_number). */
enum { N_START, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_EXP, N_EXP_SIGN, N_EXP_DIGITS };

Py_ssize_t
jd_scan_number(int kind, const void *data, Py_ssize_t pos, Py_ssize_t n, int *is_float)
{
    int state = N_START;
    *is_float = 0;
    for (Py_ssize_t i = pos; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int digit = c >= '0' && c <= '9';
        switch (state) {
        case N_START:
            state = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
            break;
        case N_MINUS:
            if (!digit) {
                return JD_BAD;
            }
            state = c == '0' ? N_ZERO : N_INT;
            break;
        case N_ZERO:
        case N_INT:
            if (c == '.') {
                state = N_DOT;
                *is_float = 1;
            }
            else if (c == 'e' || c == 'E') {
                state = N_EXP;
                *is_float = 1;
            }
            else if (digit) {
                if (state == N_ZERO) {
                    return JD_BAD;
                }
            }
            else {
                return i;
            }
            break;
        case N_DOT:
            if (!digit) {
                return JD_BAD;
            }
            state = N_FRAC;
            break;
        case N_FRAC:
            if (c == 'e' || c == 'E') {
                state = N_EXP;
            }
            else if (!digit) {
                return i;
            }
            break;
        case N_EXP:
            if (c == '+' || c == '-') {
                state = N_EXP_SIGN;
            }
            else if (digit) {
                state = N_EXP_DIGITS;
            }
            else {
                return JD_BAD;
            }
            break;
        case N_EXP_SIGN:
            if (!digit) {
                return JD_BAD;
            }
            state = N_EXP_DIGITS;
            break;
        default: /* N_EXP_DIGITS */
            if (!digit) {
                return i;
            }
        }
    }
    return JD_NEED_MORE;
}

PyObject *
jd_number_value(PyObject *buf, int kind, const void *data, Py_ssize_t pos, Py_ssize_t end,
                int is_float)
{
    Py_ssize_t len = end - pos;
    char small[64];
    if (!is_float && len <= 18) {
        /* At most 18 digits (and a sign) fit a long long. */
        long long v = 0;
        Py_ssize_t i = pos;
        int negative = PyUnicode_READ(kind, data, i) == '-';
        if (negative) {
            i++;
        }
        for (; i < end; i++) {
            v = v * 10 + (long long)(PyUnicode_READ(kind, data, i) - '0');
        }
        return PyLong_FromLongLong(negative ? -v : v);
    }
    if (len < (Py_ssize_t)sizeof(small)) {
        for (Py_ssize_t i = 0; i < len; i++) {
            small[i] = (char)PyUnicode_READ(kind, data, pos + i);
        }
        small[len] = '\0';
        if (is_float) {
            double d = PyOS_string_to_double(small, NULL, NULL);
            if (d == -1.0 && PyErr_Occurred()) {
                return NULL;
            }
            return PyFloat_FromDouble(d);
        }
        return PyLong_FromString(small, NULL, 10);
    }
    /* Long numbers: exactly what the reference does, int(text) or float(text). */
    PyObject *text = PyUnicode_Substring(buf, pos, end);
    if (text == NULL) {
        return NULL;
    }
    PyObject *result = is_float ? PyFloat_FromString(text) : PyLong_FromUnicodeObject(text, 10);
    Py_DECREF(text);
    return result;
}

Py_ssize_t
jd_count_newlines(int kind, const void *data, Py_ssize_t end, Py_ssize_t *last)
{
    Py_ssize_t count = 0;
    *last = -1;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *s = (const Py_UCS1 *)data;
        const Py_UCS1 *p = s;
        const Py_UCS1 *stop = s + end;
        while (p < stop && (p = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
            count++;
            *last = p - s;
            p++;
        }
        return count;
    }
    for (Py_ssize_t i = 0; i < end; i++) {
        if (PyUnicode_READ(kind, data, i) == '\n') {
            count++;
            *last = i;
        }
    }
    return count;
}
