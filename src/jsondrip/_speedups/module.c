/* jsondrip._speedups: module initialisation and cached constants.
 *
 * The module holds no per-parser state: everything a parser needs lives in
 * its ParserBase struct. The only module-level data are the constants below
 * (interned strings, the Delta class, copyreg.__newobj__), created once at
 * import and never changed. Single-phase initialisation, like CPython's own
 * _json module in the versions this supports.
 */
#include "speedups.h"

jd_constants JD;

static PyObject *
intern(const char *text)
{
    return PyUnicode_InternFromString(text);
}

static int
init_constants(void)
{
    PyObject *delta_module = PyImport_ImportModule("jsondrip._delta");
    if (delta_module == NULL) {
        return -1;
    }
    PyObject *delta = PyObject_GetAttrString(delta_module, "Delta");
    JD.deep_path = PyObject_GetAttrString(delta_module, "DeepPath");
    PyObject *depth = PyObject_GetAttrString(delta_module, "TUPLE_DEPTH");
    Py_DECREF(delta_module);
    if (delta == NULL || JD.deep_path == NULL || depth == NULL) {
        Py_XDECREF(delta);
        Py_XDECREF(depth);
        return -1;
    }
    JD.tuple_depth = PyLong_AsSsize_t(depth);
    Py_DECREF(depth);
    if (JD.tuple_depth < 0) {
        Py_DECREF(delta);
        return -1;
    }
    if (!PyType_Check(delta) || !PyType_IsSubtype((PyTypeObject *)delta, &PyTuple_Type)) {
        Py_DECREF(delta);
        PyErr_SetString(PyExc_TypeError, "jsondrip._delta.Delta must be a tuple subclass");
        return -1;
    }
    JD.delta_type = (PyTypeObject *)delta;
    PyObject *copyreg = PyImport_ImportModule("copyreg");
    if (copyreg == NULL) {
        return -1;
    }
    JD.newobj = PyObject_GetAttrString(copyreg, "__newobj__");
    Py_DECREF(copyreg);
    JD.op_add = intern("add");
    JD.op_append = intern("append");
    JD.op_end = intern("end");
    JD.empty_str = PyUnicode_New(0, 0);
    JD.empty_tuple = PyTuple_New(0);
    JD.name_feed_slow = intern("_feed_slow");
    JD.name_reference_consume = intern("_reference_consume");
    JD.name_fail = intern("_fail");
    JD.name_scan_error = intern("_ScanError");
    JD.name_pos = intern("pos");
    JD.name_hunt = intern("_hunt");
    JD.name_busy = intern("_busy");
    JD.name_dict = intern("__dict__");
    JD.name_getstate = intern("__getstate__");
    if (JD.newobj == NULL || JD.op_add == NULL || JD.op_append == NULL || JD.op_end == NULL ||
        JD.empty_str == NULL || JD.empty_tuple == NULL || JD.name_feed_slow == NULL ||
        JD.name_reference_consume == NULL || JD.name_fail == NULL ||
        JD.name_scan_error == NULL || JD.name_pos == NULL || JD.name_hunt == NULL || JD.name_busy == NULL || JD.name_dict == NULL ||
        JD.name_getstate == NULL) {
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(module_doc,
             "C accelerator for jsondrip: the hot path of Parser (see jsondrip._backend).\n"
             "\n"
             "Not a public API: use jsondrip.Parser, which uses it when it is available.");

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "jsondrip._speedups",
    module_doc,
    -1,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (JD.delta_type == NULL && init_constants() < 0) {
        return NULL;
    }
    if (PyType_Ready(&JD_ParserBaseType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&JD_ParserBaseType);
    if (PyModule_AddObject(module, "ParserBase", (PyObject *)&JD_ParserBaseType) < 0) {
        Py_DECREF(&JD_ParserBaseType);
        Py_DECREF(module);
        return NULL;
    }
    if (PyType_Ready(&JD_RecordDecoderType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&JD_RecordDecoderType);
    if (PyModule_AddObject(module, "RecordDecoder", (PyObject *)&JD_RecordDecoderType) < 0) {
        Py_DECREF(&JD_RecordDecoderType);
        Py_DECREF(module);
        return NULL;
    }
    PyObject *states = Py_BuildValue(
        "{si,si,si,si,si,si,si,si,si,si,si,si,si,si,si}", "_VALUE", JD_VALUE, "_ARRAY_FIRST",
        JD_ARRAY_FIRST, "_BETWEEN", JD_BETWEEN, "_FOUND", JD_FOUND, "_NUMBER", JD_NUMBER,
        "_LITERAL", JD_LITERAL, "_AFTER", JD_AFTER, "_COLON", JD_COLON, "_KEY", JD_KEY,
        "_OBJECT_FIRST", JD_OBJECT_FIRST, "_STRING", JD_STRING, "_KEY_STRING", JD_KEY_STRING,
        "_DONE", JD_DONE, "_FAILED", JD_FAILED, "_CLOSED", JD_CLOSED);
    if (states == NULL || PyModule_AddObject(module, "STATES", states) < 0) {
        Py_XDECREF(states);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
