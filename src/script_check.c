/*
 * script_check: the worker's load path run once in this process, with a report.
 *
 * The same steps as `serve` followed by a worker: config_load, startup_prepare
 * (archive, requirements, the program's presence), pyembed_start, hooks_load;
 * then, for --sample, hooks_invoke and the answer the master would send for
 * it.  Nothing listens and nothing forks.
 */
#include "script_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buffer.h"
#include "config.h"
#include "error.h"
#include "hooks.h"
#include "log.h"
#include "pyembed.h"
#include "startup.h"

#define CHECK_PREVIEW_MAX 4096   /* body bytes shown in the report */
#define CHECK_READ_CHUNK 65536

struct check_options {
    const char *sample;          /* request body file, "-" for stdin; NULL: no sample request */
    const char *content_type;    /* NULL: no Content-Type header */
    const char *accept;          /* NULL: no Accept header */
};

/* What the master would send for one reply. */
struct check_answer {
    int status;
    const char *content_type;    /* NULL: none */
    size_t content_type_length;
    const char *body;
    size_t body_length;
    const char *tail;            /* more body (an NPY payload) */
    size_t tail_length;
    char *owned_body;            /* an error body we made */
};

static const char *const check_hook_names[] = {
    "model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn", "execution_parameters_fn",
};

void script_check_usage(FILE *out)
{
    fputs("usage: hookhost check [serve flags] [--sample FILE [--content-type TYPE] [--accept TYPE]]\n"
          "\n"
          "Loads the script and the model exactly as a hookhost worker does (the same flags and\n"
          "environment as `hookhost serve`, code archive and requirements.txt included), reports\n"
          "which hooks the script defines and which are hookhost's defaults, and with --sample sends\n"
          "the file's bytes (- for stdin) through the hooks as one POST /invocations with the given\n"
          "Content-Type and Accept (each left out when not given), printing the answer.\n"
          "\n"
          "Exit status: 0 all well; 1 start-up, import or model_fn failed (traceback on stderr);\n"
          "2 bad command line or configuration; 3 the script cannot be served (no model_fn, or\n"
          "transform_fn defined with input_fn/predict_fn/output_fn); 4 the sample request was\n"
          "answered with a status outside 2xx.\n",
          out);
}

/* "--name value" or "--name=value" at argv[*at]: the value, advancing *at
 * past it; NULL when argv[*at] is not this flag.  Sets *missing when the
 * flag has no value. */
static const char *check_flag(int argc, char **argv, int *at, const char *name, bool *missing)
{
    size_t length = strlen(name);
    const char *arg = argv[*at];

    if (strncmp(arg, name, length) != 0)
        return NULL;
    if (arg[length] == '=')
        return arg + length + 1;
    if (arg[length] != '\0')
        return NULL;
    if (*at + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    *at += 1;
    return argv[*at];
}

/* Moves check's own flags out of argv; the serve flags stay, in order, in
 * argv[0..*argc).  Returns -1 (message written) on a bad command line. */
static int check_take_flags(int *argc, char **argv, struct check_options *options)
{
    static const char *const names[] = { "--sample", "--content-type", "--accept" };
    const char **slots[] = { &options->sample, &options->content_type, &options->accept };
    int kept = 0;

    for (int at = 0; at < *argc; at++) {
        bool taken = false, missing = false;
        for (size_t i = 0; i < sizeof names / sizeof names[0] && !taken && !missing; i++) {
            const char *value = check_flag(*argc, argv, &at, names[i], &missing);
            if (value != NULL) {
                *slots[i] = value;
                taken = true;
            } else if (missing) {
                fprintf(stderr, "hookhost check: %s needs a value\n", names[i]);
                return -1;
            }
        }
        if (!taken)
            argv[kept++] = argv[at];
    }
    *argc = kept;
    if (options->sample == NULL && (options->content_type != NULL || options->accept != NULL)) {
        fprintf(stderr, "hookhost check: --content-type and --accept describe the --sample request; "
                        "give --sample FILE too\n");
        return -1;
    }
    return 0;
}

/* Reads the sample body into sample (bounded by the payload limit, as the
 * server's 413 is). */
static enum error_code check_read_sample(const char *path, size_t max, struct buffer *sample, struct error *err)
{
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[CHECK_READ_CHUNK];
    enum error_code code = OK;
    size_t got;

    if (file == NULL)
        return error_set(err, ERR_CONFIG, "cannot open the sample %s: %s", path, strerror(errno));
    buffer_init(sample, max);
    while (code == OK && (got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        code = buffer_append(sample, chunk, got);
        if (code == ERR_TOO_LARGE)
            code = error_set(err, ERR_PAYLOAD_TOO_LARGE,
                             "the sample %s is larger than SAGEMAKER_MAX_PAYLOAD_IN_MB (%zu bytes); "
                             "the server would answer 413", path, max);
        else if (code != OK)
            code = error_set(err, code, "out of memory reading the sample %s", path);
    }
    if (code == OK && ferror(file))
        code = error_set(err, ERR_IO, "cannot read the sample %s: %s", path, strerror(errno));
    if (file != stdin)
        fclose(file);
    return code;
}

static double check_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static void check_report_failure(const struct config *config, const struct py_failure *failure, const char *what)
{
    if (failure->trace != NULL && failure->trace[0] != '\0')
        fputs(failure->trace, stderr);
    fprintf(stderr, "hookhost check: FAILED: %s %s: %s: %s\n", what, config->program,
            failure->name ? failure->name : "Error", failure->message ? failure->message : "");
}

/* The HTTP answer dispatch.c and connection.c would make of reply. */
static void check_answer_from_reply(const struct config *config, const struct hook_reply *reply,
                                    struct check_answer *answer)
{
    memset(answer, 0, sizeof *answer);
    if (reply->kind == IPC_ERROR) {
        answer->status = reply->status >= 400 && reply->status <= 599 ? reply->status : 500;
        answer->owned_body = error_json_body(reply->field[0], reply->field[1],
                                             config->error_tracebacks ? reply->field[2] : NULL);
        answer->content_type = "application/json";
        answer->content_type_length = strlen(answer->content_type);
        answer->body = answer->owned_body ? answer->owned_body : "";
        answer->body_length = strlen(answer->body);
        return;
    }
    /* No 1xx final answers: the connection layer sends those as 500. */
    answer->status = reply->status >= 200 && reply->status <= 599 ? reply->status : 500;
    if (reply->length[0] > 0) {
        answer->content_type = reply->field[0];
        answer->content_type_length = strnlen(reply->field[0], reply->length[0]);
    }
    if (answer->status != 204 && answer->status != 304) {
        answer->body = reply->field[2];
        answer->body_length = reply->length[2];
        answer->tail = reply->tail;
        answer->tail_length = reply->tail_length;
    }
}

static bool check_is_text(const char *data, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)data[i];
        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

static void check_print_answer(const struct check_answer *answer)
{
    size_t total = answer->body_length + answer->tail_length;

    printf("answer: %d, Content-Type: %.*s, %zu bytes\n", answer->status,
           answer->content_type ? (int)answer->content_type_length : 6,
           answer->content_type ? answer->content_type : "(none)", total);
    if (total == 0)
        return;
    if (answer->tail_length > 0 || !check_is_text(answer->body, answer->body_length)) {
        printf("(binary body)\n");
        return;
    }
    if (answer->body_length > CHECK_PREVIEW_MAX) {
        fwrite(answer->body, 1, CHECK_PREVIEW_MAX, stdout);
        printf("\n... (%zu more bytes)\n", answer->body_length - CHECK_PREVIEW_MAX);
        return;
    }
    fwrite(answer->body, 1, answer->body_length, stdout);
    if (answer->body[answer->body_length - 1] != '\n')
        putchar('\n');
}

static int check_sample(const struct config *config, struct hooks *hooks, const struct check_options *options,
                        const struct buffer *sample)
{
    const char *content_type = options->content_type ? options->content_type : "";
    const char *accept = options->accept ? options->accept : "";
    struct check_answer answer;
    struct hook_reply reply;
    PyObject *body;
    int status;

    printf("sample: %s, %zu bytes, Content-Type: %s, Accept: %s\n", options->sample, sample->length,
           options->content_type ? options->content_type : "(none: application/json)",
           options->accept ? options->accept : "(none: the default accept)");
    body = PyBytes_FromStringAndSize(sample->length ? sample->data : "", (Py_ssize_t)sample->length);
    if (body == NULL) {
        PyErr_Clear();
        fprintf(stderr, "hookhost check: FAILED: out of memory for the sample\n");
        return CHECK_EXIT_SAMPLE_FAILED;
    }
    hooks_invoke(hooks, content_type, strlen(content_type), accept, strlen(accept), body, &reply);
    Py_DECREF(body);
    check_answer_from_reply(config, &reply, &answer);
    check_print_answer(&answer);
    fflush(stdout);
    status = answer.status >= 200 && answer.status <= 299 ? CHECK_EXIT_OK : CHECK_EXIT_SAMPLE_FAILED;
    if (status != CHECK_EXIT_OK)
        fprintf(stderr, "hookhost check: FAILED: the sample request was answered %d\n", answer.status);
    free(answer.owned_body);
    hook_reply_release(&reply);
    return status;
}

static int check_load(const struct config *config, const struct check_options *options,
                      const struct buffer *sample)
{
    struct py_failure failure = { 0 };
    struct hooks *hooks = NULL;
    bool fatal = false;
    double started = check_now_ms();
    int status = CHECK_EXIT_OK;

    if (pyembed_start(config, &failure) != 0) {
        check_report_failure(config, &failure, "cannot start Python for");
        status = CHECK_EXIT_LOAD_FAILED;
    } else if ((hooks = hooks_load(config, &failure, &fatal)) == NULL) {
        check_report_failure(config, &failure, fatal ? "cannot serve" : "cannot load the model of");
        status = fatal ? CHECK_EXIT_SCRIPT_ERROR : CHECK_EXIT_LOAD_FAILED;
    } else {
        printf("hookhost check: %s in %s, model dir %s, loaded in %.1f ms\n", config->program, config->code_dir,
               config->model_dir, check_now_ms() - started);
        for (size_t i = 0; i < sizeof check_hook_names / sizeof check_hook_names[0]; i++)
            printf("  %-24s %s\n", check_hook_names[i], hooks_origin(hooks, check_hook_names[i]));
        fflush(stdout);
        if (options->sample != NULL)
            status = check_sample(config, hooks, options, sample);
        if (status == CHECK_EXIT_OK)
            printf("hookhost check: OK\n");
    }
    fflush(stdout);
    hooks_free(hooks);
    pyerror_free(&failure);
    pyembed_stop();
    return status;
}

int script_check_main(int argc, char **argv)
{
    static struct config config;     /* the process's one configuration */
    struct check_options options = { NULL, NULL, NULL };
    struct buffer sample;
    struct startup startup;
    struct error err;
    int status;

    _Static_assert(sizeof config.code_dir == sizeof startup.code_dir, "code_dir sizes differ");
    error_clear(&err);
    buffer_init(&sample, 0);
    if (check_take_flags(&argc, argv, &options) != 0)
        return CHECK_EXIT_USAGE;
    if (config_load(&config, argc, argv, NULL, &err) != OK) {
        fprintf(stderr, "hookhost check: %s\n", err.message);
        return CHECK_EXIT_USAGE;
    }
    log_setup(config.log_level, "check");
    if (options.sample != NULL && check_read_sample(options.sample, config.max_payload_bytes, &sample, &err) != OK) {
        fprintf(stderr, "hookhost check: %s\n", err.message);
        buffer_free(&sample);
        return err.code == ERR_PAYLOAD_TOO_LARGE ? CHECK_EXIT_SAMPLE_FAILED : CHECK_EXIT_USAGE;
    }
    if (startup_prepare(&config, &startup, &err) != OK) {
        fprintf(stderr, "hookhost check: FAILED: cannot start: %s\n", err.message);
        startup_cleanup(&startup);
        buffer_free(&sample);
        return CHECK_EXIT_LOAD_FAILED;
    }
    /* As serve hands workers the code directory start-up settled on. */
    memcpy(config.code_dir, startup.code_dir, sizeof config.code_dir);
    status = check_load(&config, &options, &sample);
    startup_cleanup(&startup);
    buffer_free(&sample);
    return status;
}
