/*
 * config: environment + flags -> struct config, validated once.
 *
 * Loading runs in three steps.  First the raw text of every setting is
 * gathered: the environment variable (an empty one counts as unset), then the
 * flags, which replace it.  Each raw value remembers where it came from, so a
 * message can name exactly what the user has to fix ("--workers", or
 * "SAGEMAKER_MODEL_SERVER_WORKERS").  Then every value is converted and range
 * checked.  Last, the values that depend on others get their defaults
 * (model and code dirs from the base dir, the submit directory from the code
 * dir, the module name from the program, workers from the CPU count).
 *
 * Numbers are parsed by hand, digit by digit: strtol would take the locale's
 * and the platform's view of spaces, hex and overflow.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#ifndef HOOKHOST_DEFAULT_PYTHON
#define HOOKHOST_DEFAULT_PYTHON "/usr/bin/python3"
#endif
#ifndef HOOKHOST_PYTHON_DIR_DEFAULT
#define HOOKHOST_PYTHON_DIR_DEFAULT ""
#endif

#define MEBIBYTE ((size_t)1048576)
#define VALUE_QUOTE_MAX 120 /* bytes of a bad value quoted in a message */

/* Everything read from the environment or a flag, one raw value each. */
enum setting {
    SETTING_BASE_DIR,
    SETTING_MODEL_DIR,
    SETTING_CODE_DIR,
    SETTING_SUBMIT_DIRECTORY,
    SETTING_PROGRAM,
    SETTING_PORT,
    SETTING_BIND,
    SETTING_WORKERS,
    SETTING_TIMEOUT,
    SETTING_MAX_PAYLOAD,
    SETTING_DEFAULT_ACCEPT,
    SETTING_LOG_LEVEL,
    SETTING_GRACEFUL_TIMEOUT,
    SETTING_ERROR_TRACEBACKS,
    SETTING_NPY_ALLOW_PICKLE,
    SETTING_FASTPATH,
    SETTING_QUEUE_MAX,
    SETTING_MAX_REQUESTS,
    SETTING_MAX_CONNECTIONS,
    SETTING_REQUEST_TIMEOUT,
    SETTING_IDLE_TIMEOUT,
    SETTING_PIP_ARGS,
    SETTING_PYTHON,
    SETTING_PYTHON_DIR,
    SETTING_COUNT
};

static const struct setting_source {
    const char *variable; /* environment variable, or NULL */
    const char *flag;     /* serve flag, or NULL */
} setting_sources[SETTING_COUNT] = {
    [SETTING_BASE_DIR] = { "SAGEMAKER_BASE_DIR", NULL },
    [SETTING_MODEL_DIR] = { NULL, "--model-dir" },
    [SETTING_CODE_DIR] = { NULL, "--code-dir" },
    [SETTING_SUBMIT_DIRECTORY] = { "SAGEMAKER_SUBMIT_DIRECTORY", NULL },
    [SETTING_PROGRAM] = { "SAGEMAKER_PROGRAM", "--program" },
    [SETTING_PORT] = { "SAGEMAKER_BIND_TO_PORT", NULL },
    [SETTING_BIND] = { NULL, "--bind" },
    [SETTING_WORKERS] = { "SAGEMAKER_MODEL_SERVER_WORKERS", "--workers" },
    [SETTING_TIMEOUT] = { "SAGEMAKER_MODEL_SERVER_TIMEOUT", "--timeout" },
    [SETTING_MAX_PAYLOAD] = { "SAGEMAKER_MAX_PAYLOAD_IN_MB", NULL },
    [SETTING_DEFAULT_ACCEPT] = { "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", NULL },
    [SETTING_LOG_LEVEL] = { "SAGEMAKER_CONTAINER_LOG_LEVEL", "--log-level" },
    [SETTING_GRACEFUL_TIMEOUT] = { "HOOKHOST_GRACEFUL_TIMEOUT", NULL },
    [SETTING_ERROR_TRACEBACKS] = { "HOOKHOST_ERROR_TRACEBACKS", NULL },
    [SETTING_NPY_ALLOW_PICKLE] = { "HOOKHOST_NPY_ALLOW_PICKLE", NULL },
    [SETTING_FASTPATH] = { "HOOKHOST_FASTPATH", NULL },
    [SETTING_QUEUE_MAX] = { "HOOKHOST_QUEUE_MAX", NULL },
    [SETTING_MAX_REQUESTS] = { "HOOKHOST_MAX_REQUESTS", NULL },
    [SETTING_MAX_CONNECTIONS] = { "HOOKHOST_MAX_CONNECTIONS", NULL },
    [SETTING_REQUEST_TIMEOUT] = { "HOOKHOST_REQUEST_TIMEOUT", NULL },
    [SETTING_IDLE_TIMEOUT] = { "HOOKHOST_IDLE_TIMEOUT", NULL },
    [SETTING_PIP_ARGS] = { "HOOKHOST_PIP_ARGS", NULL },
    [SETTING_PYTHON] = { "HOOKHOST_PYTHON", NULL },
    [SETTING_PYTHON_DIR] = { "HOOKHOST_PYTHON_DIR", NULL },
};

/* A setting's text as given, and who gave it. */
struct raw_value {
    const char *text;  /* NULL when unset */
    const char *label; /* the variable or flag, for messages */
    bool from_flag;
};

/* ---------------------------------------------------------------------------
 * Small parsers.  Each returns OK or fills err naming raw->label.
 * ------------------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool equals_ignoring_case(const char *a, const char *b)
{
    while (*a != '\0' && ascii_lower(*a) == ascii_lower(*b)) {
        a++;
        b++;
    }
    return ascii_lower(*a) == ascii_lower(*b);
}

/* Fails with "<label>=\"<value>\": <reason>" (or "<flag> \"<value>\"").  The
 * value is quoted, cut to VALUE_QUOTE_MAX bytes. */
static enum error_code bad_value(struct error *err, const struct raw_value *raw, const char *reason)
{
    size_t length = strlen(raw->text);
    return error_set(err, ERR_CONFIG, "%s%s\"%.*s%s\": %s", raw->label, raw->from_flag ? " " : "=",
                     (int)(length > VALUE_QUOTE_MAX ? VALUE_QUOTE_MAX : length), raw->text,
                     length > VALUE_QUOTE_MAX ? "..." : "", reason);
}

/* A whole number, as Python's int() reads one (surrounding white space, a
 * sign), in [minimum, maximum]. */
static enum error_code parse_integer(const struct raw_value *raw, long long minimum, long long maximum,
                                     long long *result, struct error *err)
{
    const char *p = raw->text;
    bool negative = false;
    long long value = 0;
    char reason[96];

    while (is_blank(*p))
        p++;
    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if (*p < '0' || *p > '9')
        return bad_value(err, raw, "not a whole number");
    for (; *p >= '0' && *p <= '9'; p++) {
        /* Saturate: anything past the limit is out of range anyway. */
        if (value <= (LLONG_MAX - 9) / 10)
            value = value * 10 + (*p - '0');
    }
    while (is_blank(*p))
        p++;
    if (*p != '\0')
        return bad_value(err, raw, "not a whole number");
    if (negative)
        value = -value;
    if (value < minimum || value > maximum) {
        snprintf(reason, sizeof reason, "out of range (%lld to %lld)", minimum, maximum);
        return bad_value(err, raw, reason);
    }
    *result = value;
    return OK;
}

static enum error_code parse_int(const struct raw_value *raw, int minimum, int maximum, int *result,
                                 struct error *err)
{
    long long value;
    enum error_code rc = parse_integer(raw, minimum, maximum, &value, err);
    if (rc == OK)
        *result = (int)value;
    return rc;
}

static enum error_code parse_boolean(const struct raw_value *raw, bool *result, struct error *err)
{
    static const char *const truths[] = { "1", "true", "yes", "on" };
    static const char *const lies[] = { "0", "false", "no", "off" };
    char word[8];
    const char *p = raw->text;
    size_t length = 0;

    while (is_blank(*p))
        p++;
    while (p[length] != '\0' && !is_blank(p[length]) && length < sizeof word - 1) {
        word[length] = p[length];
        length++;
    }
    word[length] = '\0';
    for (const char *rest = p + length; *rest != '\0'; rest++) {
        if (!is_blank(*rest))
            return bad_value(err, raw, "not a boolean (1/0, true/false, yes/no, on/off)");
    }
    for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++) {
        if (equals_ignoring_case(word, truths[i])) {
            *result = true;
            return OK;
        }
        if (equals_ignoring_case(word, lies[i])) {
            *result = false;
            return OK;
        }
    }
    return bad_value(err, raw, "not a boolean (1/0, true/false, yes/no, on/off)");
}

/* A number 0..50 as Python's logging takes it, or a level name. */
static enum error_code parse_log_level(const struct raw_value *raw, int *result, struct error *err)
{
    static const struct {
        const char *name;
        int level;
    } names[] = {
        { "DEBUG", LOG_DEBUG },     { "INFO", LOG_INFO },   { "WARNING", LOG_WARNING },
        { "WARN", LOG_WARNING },    { "ERROR", LOG_ERROR }, { "CRITICAL", LOG_CRITICAL },
        { "FATAL", LOG_CRITICAL },  { "NOTSET", 0 },
    };
    const char *p = raw->text;
    char word[16];
    size_t length = 0;

    while (is_blank(*p))
        p++;
    if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+')
        return parse_int(raw, 0, LOG_CRITICAL, result, err);
    while (p[length] != '\0' && !is_blank(p[length]) && length < sizeof word - 1) {
        word[length] = p[length];
        length++;
    }
    word[length] = '\0';
    for (const char *rest = p + length; *rest != '\0'; rest++) {
        if (!is_blank(*rest))
            goto bad;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (equals_ignoring_case(word, names[i].name)) {
            *result = names[i].level;
            return OK;
        }
    }
bad:
    return bad_value(err, raw, "not a log level (a number 0 to 50, or DEBUG, INFO, WARNING, ERROR, CRITICAL)");
}

/* Copies a non-empty string into a field of size bytes. */
static enum error_code copy_string(const struct raw_value *raw, char *field, size_t size, struct error *err)
{
    size_t length = strlen(raw->text);
    char reason[64];

    if (length == 0)
        return bad_value(err, raw, "must not be empty");
    if (length >= size) {
        snprintf(reason, sizeof reason, "longer than %zu bytes", size - 1);
        return bad_value(err, raw, reason);
    }
    memcpy(field, raw->text, length + 1);
    return OK;
}

/* ADDR:PORT, [IPV6]:PORT or :PORT (all interfaces). */
static enum error_code parse_bind(const struct raw_value *raw, struct config *config, struct error *err)
{
    const char *text = raw->text;
    const char *host = text, *colon;
    size_t host_length;
    struct raw_value port = *raw;
    long long value;
    enum error_code rc;

    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return bad_value(err, raw, "expected [ADDRESS]:PORT");
        host = text + 1;
        host_length = (size_t)(close - host);
        colon = close + 1;
        if (host_length == 0)
            return bad_value(err, raw, "empty address in brackets");
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return bad_value(err, raw, "expected ADDRESS:PORT, e.g. 127.0.0.1:8080");
        if (memchr(text, ':', (size_t)(colon - text)) != NULL)
            return bad_value(err, raw, "an IPv6 address needs brackets, e.g. [::1]:8080");
        host_length = (size_t)(colon - text);
    }
    port.text = colon + 1;
    if (port.text[0] == '\0')
        return bad_value(err, raw, "no port after the ':'");
    rc = parse_integer(&port, 1, 65535, &value, err);
    if (rc != OK)
        return bad_value(err, raw, "the port is not a number from 1 to 65535");
    if (host_length == 0) {
        snprintf(config->bind_host, sizeof config->bind_host, "0.0.0.0");
    } else {
        if (host_length >= sizeof config->bind_host)
            return bad_value(err, raw, "address too long");
        memcpy(config->bind_host, host, host_length);
        config->bind_host[host_length] = '\0';
    }
    config->port = (int)value;
    return OK;
}

/* Writes "<directory>/<name>" into field (PATH_MAX bytes). */
static enum error_code join_path(const char *directory, const char *name, char *field, const char *label,
                                 struct error *err)
{
    int length = snprintf(field, PATH_MAX, "%s/%s", strcmp(directory, "/") == 0 ? "" : directory, name);
    if (length < 0 || length >= PATH_MAX)
        return error_set(err, ERR_CONFIG, "%s: too long to add /%s (paths are limited to %d bytes): \"%.*s%s\"",
                         label, name, PATH_MAX - 1, VALUE_QUOTE_MAX, directory,
                         strlen(directory) > VALUE_QUOTE_MAX ? "..." : "");
    return OK;
}

/* True for "scheme://..." (RFC 3986 scheme letters). */
static bool looks_like_uri(const char *text)
{
    const char *p = text;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '+' ||
           *p == '-' || *p == '.')
        p++;
    return strncmp(p, "://", 3) == 0;
}

/* ---------------------------------------------------------------------------
 * Gathering raw values.
 * ------------------------------------------------------------------------- */

/* The value of name in env, or NULL when absent or empty. */
static const char *env_lookup(char **env, const char *name)
{
    size_t length = strlen(name);
    for (; *env != NULL; env++) {
        if (strncmp(*env, name, length) == 0 && (*env)[length] == '=')
            return (*env)[length + 1] != '\0' ? *env + length + 1 : NULL;
    }
    return NULL;
}

static enum error_code gather_flags(struct raw_value *raw, int argc, char **argv, struct error *err)
{
    for (int i = 0; i < argc; i++) {
        const char *argument = argv[i];
        const char *equals;
        size_t name_length;
        int setting;

        if (strncmp(argument, "--", 2) != 0 || argument[2] == '\0')
            return error_set(err, ERR_CONFIG, "unexpected argument %s (see hookhost --help)", argument);
        equals = strchr(argument, '=');
        name_length = equals != NULL ? (size_t)(equals - argument) : strlen(argument);
        for (setting = 0; setting < SETTING_COUNT; setting++) {
            const char *flag = setting_sources[setting].flag;
            if (flag != NULL && strlen(flag) == name_length && strncmp(flag, argument, name_length) == 0)
                break;
        }
        if (setting == SETTING_COUNT)
            return error_set(err, ERR_CONFIG, "unknown option %.*s (see hookhost --help)", (int)name_length,
                             argument);
        if (equals != NULL) {
            raw[setting].text = equals + 1;
        } else {
            /* "--workers --timeout 5" is a missing value, not a value. */
            if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)
                return error_set(err, ERR_CONFIG, "option %s needs a value (see hookhost --help)", argument);
            raw[setting].text = argv[++i];
        }
        raw[setting].label = setting_sources[setting].flag;
        raw[setting].from_flag = true;
    }
    return OK;
}

/* ---------------------------------------------------------------------------
 * CPU count.
 * ------------------------------------------------------------------------- */

/* Reads the first line of path into line (size bytes).  False when absent. */
static bool read_line(const char *path, char *line, size_t size)
{
    FILE *file = fopen(path, "re");
    bool ok;

    if (file == NULL)
        return false;
    ok = fgets(line, (int)size, file) != NULL;
    fclose(file);
    return ok;
}

/* Parses a non-negative decimal at *p, advancing it.  -1 when none. */
static long long read_number(const char **p)
{
    long long value = 0;
    if (**p < '0' || **p > '9')
        return -1;
    for (; **p >= '0' && **p <= '9'; (*p)++) {
        if (value > (LLONG_MAX - 9) / 10)
            return -1;
        value = value * 10 + (**p - '0');
    }
    return value;
}

/* ceil(quota / period) as a CPU count, or 0 when either is not a limit. */
static int quota_cpus(long long quota, long long period)
{
    long long cpus;
    if (quota <= 0 || period <= 0)
        return 0;
    cpus = quota / period + (quota % period != 0);
    return cpus > INT_MAX ? INT_MAX : (int)cpus;
}

/* The CPU limit set in one cgroup directory, or 0. */
static int cgroup_directory_limit(const char *directory, bool unified)
{
    char path[PATH_MAX], line[128];
    const char *p = line;
    long long quota, period;

    if (unified) {
        /* cpu.max: "max 100000" or "<quota> <period>". */
        if (snprintf(path, sizeof path, "%s/cpu.max", directory) >= (int)sizeof path ||
            !read_line(path, line, sizeof line))
            return 0;
        quota = read_number(&p);
        if (*p++ != ' ')
            return 0;
        period = read_number(&p);
        return quota_cpus(quota, period);
    }
    if (snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", directory) >= (int)sizeof path ||
        !read_line(path, line, sizeof line))
        return 0;
    if (line[0] == '-')
        return 0; /* -1: no quota */
    quota = read_number(&p);
    if (snprintf(path, sizeof path, "%s/cpu.cfs_period_us", directory) >= (int)sizeof path ||
        !read_line(path, line, sizeof line))
        return 0;
    p = line;
    period = read_number(&p);
    return quota_cpus(quota, period);
}

static int smaller_limit(int a, int b)
{
    if (a == 0)
        return b;
    if (b == 0)
        return a;
    return a < b ? a : b;
}

/* The smallest limit in mount/cgroup_path and each of its ancestors up to
 * mount itself.  Walking up covers both views: inside a container the mount
 * is often the container's own cgroup, and the path (seen from the host)
 * does not exist under it; seen from the host, a parent may hold the quota. */
static int cgroup_walk_limit(const char *mount, const char *cgroup_path, bool unified)
{
    char directory[PATH_MAX];
    int limit = 0;
    size_t mount_length = strlen(mount);

    if (snprintf(directory, sizeof directory, "%s%s%s", mount, cgroup_path[0] == '/' ? "" : "/", cgroup_path) >=
        (int)sizeof directory)
        return 0;
    for (;;) {
        size_t length = strlen(directory);
        char *slash;

        while (length > mount_length && directory[length - 1] == '/')
            directory[--length] = '\0';
        limit = smaller_limit(limit, cgroup_directory_limit(directory, unified));
        if (length <= mount_length)
            break;
        slash = strrchr(directory + mount_length, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
    }
    return limit;
}

/* Does the comma-separated list hold name? */
static bool list_has(const char *list, const char *name)
{
    size_t length = strlen(name);
    for (const char *p = list;; p++) {
        if (strncmp(p, name, length) == 0 && (p[length] == ',' || p[length] == '\0'))
            return true;
        p = strchr(p, ',');
        if (p == NULL)
            return false;
    }
}

int config_cgroup_cpu_limit(const char *cgroup_root, const char *proc_cgroup)
{
    FILE *file = fopen(proc_cgroup, "re");
    char line[PATH_MAX + 256];
    char mount[PATH_MAX];
    bool seen_any = false;
    int limit = 0;

    while (file != NULL && fgets(line, sizeof line, file) != NULL) {
        /* "hierarchy-ID:controller-list:cgroup-path" */
        char *controllers = strchr(line, ':');
        char *path = controllers != NULL ? strchr(controllers + 1, ':') : NULL;
        char *newline;

        if (path == NULL)
            continue;
        *controllers++ = '\0';
        *path++ = '\0';
        newline = strchr(path, '\n');
        if (newline != NULL)
            *newline = '\0';
        seen_any = true;
        if (strcmp(line, "0") == 0 && controllers[0] == '\0') {
            limit = smaller_limit(limit, cgroup_walk_limit(cgroup_root, path, true));
            continue;
        }
        if (!list_has(controllers, "cpu"))
            continue;
        /* v1 mounts the controller under the list as /proc spells it
         * ("cpu,cpuacct"), and usually also under the alias "cpu". */
        if (snprintf(mount, sizeof mount, "%s/%s", cgroup_root, controllers) < (int)sizeof mount)
            limit = smaller_limit(limit, cgroup_walk_limit(mount, path, false));
        if (strcmp(controllers, "cpu") != 0 &&
            snprintf(mount, sizeof mount, "%s/cpu", cgroup_root) < (int)sizeof mount)
            limit = smaller_limit(limit, cgroup_walk_limit(mount, path, false));
    }
    if (file != NULL)
        fclose(file);
    if (!seen_any) {
        /* No /proc: look at the roots as they are. */
        limit = smaller_limit(limit, cgroup_directory_limit(cgroup_root, true));
        if (snprintf(mount, sizeof mount, "%s/cpu", cgroup_root) < (int)sizeof mount)
            limit = smaller_limit(limit, cgroup_directory_limit(mount, false));
    }
    return limit;
}

/* CPUs in the affinity mask, growing the mask for machines past 1024. */
static int affinity_cpu_count(void)
{
    for (int cpus = CPU_SETSIZE; cpus <= 1 << 20; cpus *= 2) {
        cpu_set_t *set = CPU_ALLOC((size_t)cpus);
        size_t size = CPU_ALLOC_SIZE((size_t)cpus);
        int count = -1;

        if (set == NULL)
            break;
        if (sched_getaffinity(0, size, set) == 0)
            count = CPU_COUNT_S(size, set);
        CPU_FREE(set);
        if (count > 0)
            return count;
        if (errno != EINVAL)
            break;
    }
    {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        return online > 0 && online < INT_MAX ? (int)online : 1;
    }
}

int config_cpu_count(void)
{
    int cpus = affinity_cpu_count();
    int limit = config_cgroup_cpu_limit("/sys/fs/cgroup", "/proc/self/cgroup");

    if (limit > 0 && limit < cpus)
        cpus = limit;
    return cpus >= 1 ? cpus : 1;
}

/* ---------------------------------------------------------------------------
 * Loading.
 * ------------------------------------------------------------------------- */

static enum error_code load_paths(struct config *config, const struct raw_value *raw, struct error *err)
{
    enum error_code rc;
    size_t length;

    if (raw[SETTING_BASE_DIR].text != NULL) {
        rc = copy_string(&raw[SETTING_BASE_DIR], config->base_dir, sizeof config->base_dir, err);
        if (rc != OK)
            return rc;
    } else {
        snprintf(config->base_dir, sizeof config->base_dir, "/opt/ml");
    }
    /* "/opt/ml/" and "/opt/ml" are the same base; keep "/" itself. */
    length = strlen(config->base_dir);
    while (length > 1 && config->base_dir[length - 1] == '/')
        config->base_dir[--length] = '\0';

    if (raw[SETTING_MODEL_DIR].text != NULL)
        rc = copy_string(&raw[SETTING_MODEL_DIR], config->model_dir, sizeof config->model_dir, err);
    else
        rc = join_path(config->base_dir, "model", config->model_dir, "SAGEMAKER_BASE_DIR", err);
    if (rc != OK)
        return rc;
    if (raw[SETTING_CODE_DIR].text != NULL)
        rc = copy_string(&raw[SETTING_CODE_DIR], config->code_dir, sizeof config->code_dir, err);
    else
        rc = join_path(config->base_dir, "code", config->code_dir, "SAGEMAKER_BASE_DIR", err);
    if (rc != OK)
        return rc;

    if (raw[SETTING_SUBMIT_DIRECTORY].text != NULL) {
        const struct raw_value *submit = &raw[SETTING_SUBMIT_DIRECTORY];
        if (strncmp(submit->text, "s3://", 5) == 0 || strncmp(submit->text, "S3://", 5) == 0)
            return bad_value(err, submit,
                             "s3:// sources are not yet supported; put the code in the image or a mounted "
                             "directory (a directory or a .tar.gz/.tgz/.tar file) and point "
                             "SAGEMAKER_SUBMIT_DIRECTORY at it");
        if (looks_like_uri(submit->text))
            return bad_value(err, submit, "only local paths are supported (a directory or a .tar.gz/.tgz/.tar file)");
        rc = copy_string(submit, config->submit_directory, sizeof config->submit_directory, err);
        if (rc != OK)
            return rc;
    } else {
        memcpy(config->submit_directory, config->code_dir, sizeof config->submit_directory);
    }
    return OK;
}

static enum error_code load_program(struct config *config, const struct raw_value *raw, struct error *err)
{
    const struct raw_value *program = &raw[SETTING_PROGRAM];
    size_t length;
    enum error_code rc;

    if (program->text == NULL)
        return error_set(err, ERR_CONFIG,
                         "SAGEMAKER_PROGRAM is not set: name the user script in the code directory %s "
                         "(e.g. SAGEMAKER_PROGRAM=inference.py, or --program inference.py)",
                         config->submit_directory);
    rc = copy_string(program, config->program, sizeof config->program, err);
    if (rc != OK)
        return rc;
    if (strchr(config->program, '/') != NULL)
        return bad_value(err, program, "must be a file name in the code directory, not a path");
    length = strlen(config->program);
    if (length >= 3 && strcmp(config->program + length - 3, ".py") == 0)
        length -= 3;
    if (length == 0)
        return bad_value(err, program, "no module name before .py");
    memcpy(config->module_name, config->program, length);
    config->module_name[length] = '\0';
    return OK;
}

static enum error_code load_server(struct config *config, const struct raw_value *raw, struct error *err)
{
    enum error_code rc = OK;
    long long megabytes = 100;
    long long megabytes_max = CONFIG_PAYLOAD_MB_MAX;

    snprintf(config->bind_host, sizeof config->bind_host, "0.0.0.0");
    config->port = 8080;
    if (raw[SETTING_BIND].text != NULL)
        rc = parse_bind(&raw[SETTING_BIND], config, err);
    else if (raw[SETTING_PORT].text != NULL)
        rc = parse_int(&raw[SETTING_PORT], 1, 65535, &config->port, err);
    if (rc != OK)
        return rc;

    config->workers = 0;
    if (raw[SETTING_WORKERS].text != NULL)
        rc = parse_int(&raw[SETTING_WORKERS], 1, CONFIG_WORKERS_MAX, &config->workers, err);
    config->timeout_seconds = 60;
    if (rc == OK && raw[SETTING_TIMEOUT].text != NULL)
        rc = parse_int(&raw[SETTING_TIMEOUT], 1, CONFIG_TIMEOUT_MAX, &config->timeout_seconds, err);
    /* The limit becomes an ev_ssize_t body size: keep MiB * limit in range. */
    if ((unsigned long long)megabytes_max > (unsigned long long)(PTRDIFF_MAX / MEBIBYTE))
        megabytes_max = (long long)(PTRDIFF_MAX / MEBIBYTE);
    if (rc == OK && raw[SETTING_MAX_PAYLOAD].text != NULL)
        rc = parse_integer(&raw[SETTING_MAX_PAYLOAD], 1, megabytes_max, &megabytes, err);
    config->max_payload_bytes = (size_t)megabytes * MEBIBYTE;
    config->graceful_timeout_seconds = 20;
    if (rc == OK && raw[SETTING_GRACEFUL_TIMEOUT].text != NULL)
        rc = parse_int(&raw[SETTING_GRACEFUL_TIMEOUT], 0, CONFIG_GRACEFUL_TIMEOUT_MAX,
                       &config->graceful_timeout_seconds, err);
    config->queue_max = 1024;
    if (rc == OK && raw[SETTING_QUEUE_MAX].text != NULL)
        rc = parse_int(&raw[SETTING_QUEUE_MAX], 1, CONFIG_QUEUE_MAX_MAX, &config->queue_max, err);
    config->max_requests = 0;
    if (rc == OK && raw[SETTING_MAX_REQUESTS].text != NULL)
        rc = parse_int(&raw[SETTING_MAX_REQUESTS], 0, CONFIG_MAX_REQUESTS_MAX, &config->max_requests, err);
    config->max_connections = 1024;
    if (rc == OK && raw[SETTING_MAX_CONNECTIONS].text != NULL)
        rc = parse_int(&raw[SETTING_MAX_CONNECTIONS], 1, CONFIG_MAX_CONNECTIONS_MAX, &config->max_connections,
                       err);
    /* No "0 = off" for these two: a server without them is open to
     * slowloris and to idle connections eating the connection cap. */
    config->request_timeout_seconds = 30;
    if (rc == OK && raw[SETTING_REQUEST_TIMEOUT].text != NULL)
        rc = parse_int(&raw[SETTING_REQUEST_TIMEOUT], 1, CONFIG_CONNECTION_TIMEOUT_MAX,
                       &config->request_timeout_seconds, err);
    config->idle_timeout_seconds = 60;
    if (rc == OK && raw[SETTING_IDLE_TIMEOUT].text != NULL)
        rc = parse_int(&raw[SETTING_IDLE_TIMEOUT], 1, CONFIG_CONNECTION_TIMEOUT_MAX, &config->idle_timeout_seconds,
                       err);
    if (rc != OK)
        return rc;
    if (config->workers == 0)
        config->workers = config_cpu_count();
    if (config->workers > CONFIG_WORKERS_MAX)
        config->workers = CONFIG_WORKERS_MAX;
    return OK;
}

static enum error_code load_behaviour(struct config *config, const struct raw_value *raw, struct error *err)
{
    enum error_code rc = OK;

    snprintf(config->default_accept, sizeof config->default_accept, "application/json");
    if (raw[SETTING_DEFAULT_ACCEPT].text != NULL) {
        rc = copy_string(&raw[SETTING_DEFAULT_ACCEPT], config->default_accept, sizeof config->default_accept,
                         err);
        if (rc != OK)
            return rc;
        /* It is sent back as a Content-Type: no control bytes. */
        for (const char *p = config->default_accept; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                return bad_value(err, &raw[SETTING_DEFAULT_ACCEPT], "not a valid media type (printable ASCII)");
        }
    }
    config->log_level = LOG_INFO;
    if (raw[SETTING_LOG_LEVEL].text != NULL)
        rc = parse_log_level(&raw[SETTING_LOG_LEVEL], &config->log_level, err);
    config->error_tracebacks = false;
    if (rc == OK && raw[SETTING_ERROR_TRACEBACKS].text != NULL)
        rc = parse_boolean(&raw[SETTING_ERROR_TRACEBACKS], &config->error_tracebacks, err);
    config->npy_allow_pickle = false;
    if (rc == OK && raw[SETTING_NPY_ALLOW_PICKLE].text != NULL)
        rc = parse_boolean(&raw[SETTING_NPY_ALLOW_PICKLE], &config->npy_allow_pickle, err);
    config->fastpath = true;
    if (rc == OK && raw[SETTING_FASTPATH].text != NULL)
        rc = parse_boolean(&raw[SETTING_FASTPATH], &config->fastpath, err);
    if (rc != OK)
        return rc;

    config->pip_args[0] = '\0';
    if (raw[SETTING_PIP_ARGS].text != NULL) {
        rc = copy_string(&raw[SETTING_PIP_ARGS], config->pip_args, sizeof config->pip_args, err);
        if (rc != OK)
            return rc;
    }
    if (raw[SETTING_PYTHON].text != NULL)
        rc = copy_string(&raw[SETTING_PYTHON], config->python, sizeof config->python, err);
    else
        snprintf(config->python, sizeof config->python, "%s", HOOKHOST_DEFAULT_PYTHON);
    if (rc != OK)
        return rc;
    if (raw[SETTING_PYTHON_DIR].text != NULL)
        rc = copy_string(&raw[SETTING_PYTHON_DIR], config->python_dir, sizeof config->python_dir, err);
    else
        snprintf(config->python_dir, sizeof config->python_dir, "%s", HOOKHOST_PYTHON_DIR_DEFAULT);
    return rc;
}

enum error_code config_load(struct config *config, int argc, char **argv, char **env, struct error *err)
{
    extern char **environ;
    struct raw_value raw[SETTING_COUNT];
    enum error_code rc;

    memset(config, 0, sizeof *config);
    if (env == NULL)
        env = environ;
    for (int setting = 0; setting < SETTING_COUNT; setting++) {
        const char *variable = setting_sources[setting].variable;
        raw[setting].text = variable != NULL && env != NULL ? env_lookup(env, variable) : NULL;
        raw[setting].label = variable;
        raw[setting].from_flag = false;
    }
    rc = gather_flags(raw, argc, argv, err);
    if (rc == OK)
        rc = load_paths(config, raw, err);
    if (rc == OK)
        rc = load_program(config, raw, err);
    if (rc == OK)
        rc = load_server(config, raw, err);
    if (rc == OK)
        rc = load_behaviour(config, raw, err);
    return rc;
}

const char *config_log_level_name(int level)
{
    return log_level_name(level);
}

void config_usage(FILE *out)
{
    fputs("usage: hookhost serve [options]\n"
          "       hookhost check [options] [--sample FILE --content-type TYPE --accept TYPE]\n"
          "       hookhost --version\n"
          "       hookhost --help\n"
          "\n"
          "Serves a SageMaker inference script (model_fn, input_fn, predict_fn, output_fn or\n"
          "transform_fn) over HTTP.  `check` loads the script and model as a worker would,\n"
          "optionally answers one sample request, reports which hooks are user-defined, and\n"
          "exits non-zero on any problem (see `hookhost check --help`).  Flags override the\n"
          "environment; \"--flag value\" and \"--flag=value\" both work.\n"
          "\n"
          "Options:\n"
          "  --bind ADDR:PORT     listen address; [::1]:PORT for IPv6, :PORT for all\n"
          "                       interfaces (env SAGEMAKER_BIND_TO_PORT, default 0.0.0.0:8080)\n"
          "  --workers N          worker processes, 1 to 1024 (env SAGEMAKER_MODEL_SERVER_WORKERS,\n"
          "                       default: the CPUs this process may use, affinity and cgroup aware)\n"
          "  --timeout SECONDS    per-request limit; slower requests get 504 and their worker is\n"
          "                       replaced (env SAGEMAKER_MODEL_SERVER_TIMEOUT, default 60)\n"
          "  --model-dir DIR      passed to model_fn (default <base>/model)\n"
          "  --code-dir DIR       where the user script is imported from (default <base>/code)\n"
          "  --program FILE       the user script, e.g. inference.py (env SAGEMAKER_PROGRAM, required)\n"
          "  --log-level LEVEL    10/20/30/40/50 or DEBUG, INFO, WARNING, ERROR, CRITICAL\n"
          "                       (env SAGEMAKER_CONTAINER_LOG_LEVEL, default INFO)\n"
          "\n"
          "Environment:\n"
          "  SAGEMAKER_BASE_DIR                    base directory (default /opt/ml)\n"
          "  SAGEMAKER_PROGRAM                     the user script in the code directory (required)\n"
          "  SAGEMAKER_SUBMIT_DIRECTORY            code source: a directory (used in place) or a\n"
          "                                        .tar.gz/.tgz/.tar file (unpacked into the code\n"
          "                                        directory); s3:// is not yet supported\n"
          "                                        (default: the code directory)\n"
          "  SAGEMAKER_BIND_TO_PORT                port on all interfaces (default 8080)\n"
          "  SAGEMAKER_MODEL_SERVER_WORKERS        worker processes (default: usable CPUs)\n"
          "  SAGEMAKER_MODEL_SERVER_TIMEOUT        request timeout in seconds (default 60)\n"
          "  SAGEMAKER_MAX_PAYLOAD_IN_MB           request body limit in MiB; larger gets 413\n"
          "                                        (default 100)\n"
          "  SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT  used when Accept is missing, empty or */*\n"
          "                                        (default application/json)\n"
          "  SAGEMAKER_CONTAINER_LOG_LEVEL         log level, number or name (default 20 = INFO)\n"
          "  SAGEMAKER_SAFE_PORT_RANGE, SAGEMAKER_REGION, SAGEMAKER_ENABLE_CLOUDWATCH_METRICS,\n"
          "  SAGEMAKER_BATCH                       accepted and ignored\n"
          "  HOOKHOST_GRACEFUL_TIMEOUT             seconds to finish requests after SIGTERM (default 20)\n"
          "  HOOKHOST_ERROR_TRACEBACKS             1: error bodies carry \"stack-trace\" (default 0)\n"
          "  HOOKHOST_NPY_ALLOW_PICKLE             1: accept object (pickled) .npy bodies (default 0)\n"
          "  HOOKHOST_FASTPATH                     0: use the Python default codecs only (default 1)\n"
          "  HOOKHOST_QUEUE_MAX                    requests waiting for a worker before 503\n"
          "                                        (default 1024)\n"
          "  HOOKHOST_MAX_REQUESTS                 replace a worker after this many requests, its\n"
          "                                        successor loaded first (default 0 = never)\n"
          "  HOOKHOST_MAX_CONNECTIONS              open client connections; beyond, 503 and close\n"
          "                                        (default 1024)\n"
          "  HOOKHOST_REQUEST_TIMEOUT              seconds to receive a whole request (head and\n"
          "                                        body), else 408 and close (default 30)\n"
          "  HOOKHOST_IDLE_TIMEOUT                 seconds a keep-alive connection may wait for its\n"
          "                                        next request (default 60)\n"
          "  HOOKHOST_PIP_ARGS                     extra arguments for pip install -r requirements.txt\n"
          "  HOOKHOST_PYTHON                       interpreter for pip and the workers\n"
          "                                        (default " HOOKHOST_DEFAULT_PYTHON ")\n"
          "  HOOKHOST_PYTHON_DIR                   where the hookhost Python package lives\n",
          out);
    /* An empty compiled-in default would read "(default )". */
    fprintf(out, "                                        (default %s)\n",
            HOOKHOST_PYTHON_DIR_DEFAULT[0] != '\0' ? HOOKHOST_PYTHON_DIR_DEFAULT : "none");
    fputs("Booleans take 1/0, true/false, yes/no, on/off.  An empty variable counts as unset.\n"
          "\n"
          "Routes: GET|HEAD /ping, POST /invocations, GET /execution-parameters.\n",
          out);
}
