#include "pyembed.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

/* _hookhost.log(level, text): the sink for the worker's captured output. */
static PyObject *pyembed_log(PyObject *self, PyObject *args)
{
    int level;
    const char *text;
    Py_ssize_t length;
    (void)self;
    if (!PyArg_ParseTuple(args, "is#", &level, &text, &length))
        return NULL;
    log_lines(level, text, (size_t)length);
    Py_RETURN_NONE;
}

static PyMethodDef pyembed_methods[] = {
    { "log", pyembed_log, METH_VARARGS, "Write text as log records of the given level." },
    { NULL, NULL, 0, NULL }
};

static struct PyModuleDef pyembed_module = {
    PyModuleDef_HEAD_INIT, "_hookhost", "hookhost's worker internals.", -1, pyembed_methods,
    NULL, NULL, NULL, NULL
};

static PyObject *pyembed_module_init(void)
{
    return PyModule_Create(&pyembed_module);
}

static int pyembed_path_insert(PyObject *path, Py_ssize_t at, const char *directory)
{
    PyObject *entry;
    int present, rc;
    if (directory == NULL || directory[0] == '\0')
        return 0;
    entry = PyUnicode_DecodeFSDefault(directory);          /* new reference */
    if (entry == NULL)
        return -1;
    present = PySequence_Contains(path, entry);
    rc = present == 0 ? PyList_Insert(path, at, entry) : present;
    Py_DECREF(entry);
    return rc < 0 ? -1 : 0;
}

static int pyembed_init_interpreter(const struct config *config, struct py_failure *failure)
{
    PyConfig py_config;
    PyStatus status;

    PyConfig_InitPythonConfig(&py_config);
    py_config.install_signal_handlers = 0;
    py_config.parse_argv = 0;
    py_config.safe_path = 1;
    py_config.buffered_stdio = 0;
    /* program_name makes sys.executable and the prefix those of the target
     * interpreter, so its dist-packages are found. */
    status = PyConfig_SetBytesString(&py_config, &py_config.program_name, config->python);
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&py_config);
    PyConfig_Clear(&py_config);
    if (PyStatus_Exception(status)) {
        char message[512];
        snprintf(message, sizeof message, "cannot start Python (%.200s): %.200s", config->python,
                 status.err_msg ? status.err_msg : "unknown error");
        pyerror_make(failure, 500, "PythonStartError", message);
        return -1;
    }
    return 0;
}

int pyembed_start(const struct config *config, struct py_failure *failure)
{
    PyObject *sys_path, *worker_module;
    const char *packages = getenv("HOOKHOST_PACKAGES_DIR");

    if (PyImport_AppendInittab("_hookhost", pyembed_module_init) != 0) {
        pyerror_make(failure, 500, "PythonStartError", "cannot register the _hookhost module");
        return -1;
    }
    if (pyembed_init_interpreter(config, failure) != 0)
        return -1;
    sys_path = PySys_GetObject("path");                     /* borrowed */
    if (sys_path == NULL || pyembed_path_insert(sys_path, 0, config->python_dir) != 0 ||
        pyembed_path_insert(sys_path, 0, packages) != 0 || pyembed_path_insert(sys_path, 0, config->code_dir) != 0) {
        pyerror_fetch(failure);
        return -1;
    }
    /* hookhost._worker replaces sys.stdout/sys.stderr with writers that
     * send each line through _hookhost.log. */
    worker_module = PyImport_ImportModule("hookhost._worker");   /* new reference */
    if (worker_module == NULL) {
        pyerror_fetch(failure);
        return -1;
    }
    Py_DECREF(worker_module);
    return 0;
}

void pyembed_stop(void)
{
    if (Py_IsInitialized())
        Py_FinalizeEx();
}
