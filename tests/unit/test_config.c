/* config: every variable and flag, defaults, overrides, and the messages for
 * bad values.  The environment comes in as an explicit array, except in the
 * one test of the NULL (= environ) case. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#ifndef HOOKHOST_DEFAULT_PYTHON
#define HOOKHOST_DEFAULT_PYTHON "/usr/bin/python3"
#endif
#ifndef HOOKHOST_PYTHON_DIR_DEFAULT
#define HOOKHOST_PYTHON_DIR_DEFAULT ""
#endif

static struct config config;
static struct error err;

/* Loads from env (NULL-terminated) and the NULL-terminated flags. */
static enum error_code load(char **env, char **flags)
{
    int argc = 0;
    while (flags != NULL && flags[argc] != NULL)
        argc++;
    error_clear(&err);
    return config_load(&config, argc, flags, env, &err);
}

#define ENV(...) ((char *[]){ __VA_ARGS__, NULL })
#define FLAGS(...) ((char *[]){ __VA_ARGS__, NULL })

/* Asserts that loading fails with ERR_CONFIG and a message holding every
 * given fragment. */
static void assert_fails(char **env, char **flags, const char *fragment, const char *other_fragment)
{
    ck_assert_int_eq(load(env, flags), ERR_CONFIG);
    ck_assert_int_eq(err.code, ERR_CONFIG);
    ck_assert_msg(strstr(err.message, fragment) != NULL, "message \"%s\" lacks \"%s\"", err.message, fragment);
    if (other_fragment != NULL)
        ck_assert_msg(strstr(err.message, other_fragment) != NULL, "message \"%s\" lacks \"%s\"", err.message,
                      other_fragment);
}

START_TEST(defaults)
{
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=inference.py"), NULL), OK);
    ck_assert_str_eq(config.base_dir, "/opt/ml");
    ck_assert_str_eq(config.model_dir, "/opt/ml/model");
    ck_assert_str_eq(config.code_dir, "/opt/ml/code");
    ck_assert_str_eq(config.submit_directory, "/opt/ml/code");
    ck_assert_str_eq(config.program, "inference.py");
    ck_assert_str_eq(config.module_name, "inference");
    ck_assert_str_eq(config.bind_host, "0.0.0.0");
    ck_assert_int_eq(config.port, 8080);
    ck_assert_int_eq(config.workers, config_cpu_count());
    ck_assert_int_ge(config.workers, 1);
    ck_assert_int_eq(config.timeout_seconds, 60);
    ck_assert_uint_eq(config.max_payload_bytes, 100u * 1048576u);
    ck_assert_str_eq(config.default_accept, "application/json");
    ck_assert_int_eq(config.log_level, 20);
    ck_assert_int_eq(config.graceful_timeout_seconds, 20);
    ck_assert(!config.error_tracebacks);
    ck_assert(!config.npy_allow_pickle);
    ck_assert(config.fastpath);
    ck_assert_int_eq(config.queue_max, 1024);
    ck_assert_int_eq(config.max_requests, 0);
    ck_assert_int_eq(config.max_connections, 1024);
    ck_assert_int_eq(config.request_timeout_seconds, 30);
    ck_assert_int_eq(config.idle_timeout_seconds, 60);
    ck_assert_str_eq(config.pip_args, "");
    ck_assert_str_eq(config.python, HOOKHOST_DEFAULT_PYTHON);
    ck_assert_str_eq(config.python_dir, HOOKHOST_PYTHON_DIR_DEFAULT);
}
END_TEST

START_TEST(every_variable)
{
    char **env = ENV("PATH=/bin", "SAGEMAKER_BASE_DIR=/srv/ml/", "SAGEMAKER_PROGRAM=serve_me.py",
                     "SAGEMAKER_SUBMIT_DIRECTORY=/tmp/source.tar.gz", "SAGEMAKER_BIND_TO_PORT=9090",
                     "SAGEMAKER_MODEL_SERVER_WORKERS=3", "SAGEMAKER_MODEL_SERVER_TIMEOUT= 45 ",
                     "SAGEMAKER_MAX_PAYLOAD_IN_MB=6", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=text/csv",
                     "SAGEMAKER_CONTAINER_LOG_LEVEL=10", "HOOKHOST_GRACEFUL_TIMEOUT=5",
                     "HOOKHOST_ERROR_TRACEBACKS=1", "HOOKHOST_NPY_ALLOW_PICKLE=yes", "HOOKHOST_FASTPATH=off",
                     "HOOKHOST_QUEUE_MAX=7", "HOOKHOST_MAX_REQUESTS=500", "HOOKHOST_MAX_CONNECTIONS=64",
                     "HOOKHOST_REQUEST_TIMEOUT=3", "HOOKHOST_IDLE_TIMEOUT= 9",
                     "HOOKHOST_PIP_ARGS=--no-index --find-links /wheels",
                     "HOOKHOST_PYTHON=/opt/py/bin/python3", "HOOKHOST_PYTHON_DIR=/opt/hookhost/python",
                     "SAGEMAKER_SAFE_PORT_RANGE=8000-9000", "SAGEMAKER_REGION=us-west-2",
                     "SAGEMAKER_ENABLE_CLOUDWATCH_METRICS=whatever", "SAGEMAKER_BATCH=true");

    ck_assert_int_eq(load(env, NULL), OK);
    ck_assert_str_eq(config.base_dir, "/srv/ml");
    ck_assert_str_eq(config.model_dir, "/srv/ml/model");
    ck_assert_str_eq(config.code_dir, "/srv/ml/code");
    ck_assert_str_eq(config.submit_directory, "/tmp/source.tar.gz");
    ck_assert_str_eq(config.program, "serve_me.py");
    ck_assert_str_eq(config.module_name, "serve_me");
    ck_assert_str_eq(config.bind_host, "0.0.0.0");
    ck_assert_int_eq(config.port, 9090);
    ck_assert_int_eq(config.workers, 3);
    ck_assert_int_eq(config.timeout_seconds, 45);
    ck_assert_uint_eq(config.max_payload_bytes, 6u * 1048576u);
    ck_assert_str_eq(config.default_accept, "text/csv");
    ck_assert_int_eq(config.log_level, 10);
    ck_assert_int_eq(config.graceful_timeout_seconds, 5);
    ck_assert(config.error_tracebacks);
    ck_assert(config.npy_allow_pickle);
    ck_assert(!config.fastpath);
    ck_assert_int_eq(config.queue_max, 7);
    ck_assert_int_eq(config.max_requests, 500);
    ck_assert_int_eq(config.max_connections, 64);
    ck_assert_int_eq(config.request_timeout_seconds, 3);
    ck_assert_int_eq(config.idle_timeout_seconds, 9);
    ck_assert_str_eq(config.pip_args, "--no-index --find-links /wheels");
    ck_assert_str_eq(config.python, "/opt/py/bin/python3");
    ck_assert_str_eq(config.python_dir, "/opt/hookhost/python");
}
END_TEST

START_TEST(empty_variables_count_as_unset)
{
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=x.py", "SAGEMAKER_MODEL_SERVER_WORKERS=",
                              "SAGEMAKER_BIND_TO_PORT=", "HOOKHOST_FASTPATH=", "SAGEMAKER_BASE_DIR="),
                          NULL),
                     OK);
    ck_assert_int_eq(config.port, 8080);
    ck_assert(config.fastpath);
    ck_assert_str_eq(config.base_dir, "/opt/ml");
    ck_assert_int_ge(config.workers, 1);
    assert_fails(ENV("SAGEMAKER_PROGRAM="), NULL, "SAGEMAKER_PROGRAM", NULL);
}
END_TEST

START_TEST(first_of_duplicate_variables_counts)
{
    /* As getenv(3) does. */
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=first.py", "SAGEMAKER_PROGRAM=second.py"), NULL), OK);
    ck_assert_str_eq(config.program, "first.py");
    /* A longer name sharing the prefix is another variable. */
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAMME=no.py", "SAGEMAKER_PROGRAM=yes.py"), NULL), OK);
    ck_assert_str_eq(config.program, "yes.py");
}
END_TEST

START_TEST(flags_override_environment)
{
    char **env = ENV("SAGEMAKER_PROGRAM=env.py", "SAGEMAKER_MODEL_SERVER_WORKERS=3",
                     "SAGEMAKER_MODEL_SERVER_TIMEOUT=10", "SAGEMAKER_CONTAINER_LOG_LEVEL=DEBUG",
                     "SAGEMAKER_BIND_TO_PORT=9000", "SAGEMAKER_BASE_DIR=/base");

    ck_assert_int_eq(load(env, FLAGS("--workers", "5", "--timeout=7", "--program", "flag.py", "--log-level=error",
                                     "--bind", "127.0.0.1:9999", "--model-dir", "/m", "--code-dir=/c")),
                     OK);
    ck_assert_int_eq(config.workers, 5);
    ck_assert_int_eq(config.timeout_seconds, 7);
    ck_assert_str_eq(config.program, "flag.py");
    ck_assert_str_eq(config.module_name, "flag");
    ck_assert_int_eq(config.log_level, LOG_ERROR);
    ck_assert_str_eq(config.bind_host, "127.0.0.1");
    ck_assert_int_eq(config.port, 9999);
    ck_assert_str_eq(config.model_dir, "/m");
    ck_assert_str_eq(config.code_dir, "/c");
    ck_assert_str_eq(config.submit_directory, "/c"); /* follows the code dir */
    ck_assert_str_eq(config.base_dir, "/base");

    /* Without flags the environment holds. */
    ck_assert_int_eq(load(env, NULL), OK);
    ck_assert_int_eq(config.workers, 3);
    ck_assert_int_eq(config.port, 9000);
    ck_assert_str_eq(config.model_dir, "/base/model");
}
END_TEST

START_TEST(overridden_variable_is_not_read)
{
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_MODEL_SERVER_WORKERS=lots",
                              "SAGEMAKER_BIND_TO_PORT=http"),
                          FLAGS("--workers", "2", "--bind", "127.0.0.1:8000")),
                     OK);
    ck_assert_int_eq(config.workers, 2);
    ck_assert_int_eq(config.port, 8000);
}
END_TEST

START_TEST(last_repeated_flag_wins)
{
    /* The master appends --code-dir to a worker's flags. */
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py"),
                          FLAGS("--code-dir", "/first", "--workers=2", "--code-dir", "/second", "--workers", "4")),
                     OK);
    ck_assert_str_eq(config.code_dir, "/second");
    ck_assert_int_eq(config.workers, 4);
}
END_TEST

START_TEST(bad_numbers_name_variable_and_value)
{
    static const char *const cases[][2] = {
        { "SAGEMAKER_BIND_TO_PORT", "http" },
        { "SAGEMAKER_BIND_TO_PORT", "80.5" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "four" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "4x" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "0x10" },
        { "SAGEMAKER_MODEL_SERVER_TIMEOUT", "1e3" },
        { "SAGEMAKER_MODEL_SERVER_TIMEOUT", "-" },
        { "SAGEMAKER_MAX_PAYLOAD_IN_MB", "6MB" },
        { "SAGEMAKER_MAX_PAYLOAD_IN_MB", "1 2" },
        { "HOOKHOST_GRACEFUL_TIMEOUT", "soon" },
        { "HOOKHOST_QUEUE_MAX", "many" },
        { "HOOKHOST_MAX_REQUESTS", "1k" },
        { "HOOKHOST_MAX_CONNECTIONS", "lots" },
        { "HOOKHOST_REQUEST_TIMEOUT", "30s" },
        { "HOOKHOST_IDLE_TIMEOUT", "1.5" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char variable[128], quoted[64];
        snprintf(variable, sizeof variable, "%s=%s", cases[i][0], cases[i][1]);
        snprintf(quoted, sizeof quoted, "\"%s\"", cases[i][1]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, cases[i][0], quoted);
        ck_assert_ptr_nonnull(strstr(err.message, "not a whole number"));
    }
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--workers", "two"), "--workers", "\"two\"");
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--timeout=1.5"), "--timeout", "\"1.5\"");
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--workers="), "--workers", "not a whole number");
}
END_TEST

START_TEST(out_of_range_numbers)
{
    static const char *const cases[][2] = {
        { "SAGEMAKER_BIND_TO_PORT", "0" },
        { "SAGEMAKER_BIND_TO_PORT", "65536" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "0" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "-2" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "1025" },
        { "SAGEMAKER_MODEL_SERVER_WORKERS", "99999999999999999999999999" },
        { "SAGEMAKER_MODEL_SERVER_TIMEOUT", "0" },
        { "SAGEMAKER_MAX_PAYLOAD_IN_MB", "0" },
        { "SAGEMAKER_MAX_PAYLOAD_IN_MB", "1048577" },
        { "HOOKHOST_GRACEFUL_TIMEOUT", "-1" },
        { "HOOKHOST_QUEUE_MAX", "0" },
        { "HOOKHOST_MAX_REQUESTS", "-1" },
        { "HOOKHOST_MAX_REQUESTS", "2147483648" },
        { "HOOKHOST_MAX_CONNECTIONS", "0" },
        { "HOOKHOST_MAX_CONNECTIONS", "1000001" },
        { "HOOKHOST_REQUEST_TIMEOUT", "0" },
        { "HOOKHOST_REQUEST_TIMEOUT", "86401" },
        { "HOOKHOST_IDLE_TIMEOUT", "0" },
        { "HOOKHOST_IDLE_TIMEOUT", "86401" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char variable[128];
        snprintf(variable, sizeof variable, "%s=%s", cases[i][0], cases[i][1]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, cases[i][0], "out of range");
        ck_assert_ptr_nonnull(strstr(err.message, cases[i][1]));
    }
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--workers", "0"), "--workers \"0\"", "out of range (1 to");
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--timeout", "-5"), "--timeout", "out of range");

    /* The edges themselves are fine. */
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_BIND_TO_PORT=65535",
                              "SAGEMAKER_MODEL_SERVER_WORKERS=+1024", "SAGEMAKER_MAX_PAYLOAD_IN_MB=1",
                              "HOOKHOST_GRACEFUL_TIMEOUT=0", "SAGEMAKER_MODEL_SERVER_TIMEOUT=1"),
                          NULL),
                     OK);
    ck_assert_int_eq(config.port, 65535);
    ck_assert_int_eq(config.workers, 1024);
    ck_assert_uint_eq(config.max_payload_bytes, 1048576u);
    ck_assert_int_eq(config.graceful_timeout_seconds, 0);
    ck_assert_int_eq(config.timeout_seconds, 1);
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "HOOKHOST_MAX_REQUESTS=0", "HOOKHOST_MAX_CONNECTIONS=1",
                              "HOOKHOST_REQUEST_TIMEOUT=86400", "HOOKHOST_IDLE_TIMEOUT=1"),
                          NULL),
                     OK);
    ck_assert_int_eq(config.max_requests, 0);
    ck_assert_int_eq(config.max_connections, 1);
    ck_assert_int_eq(config.request_timeout_seconds, 86400);
    ck_assert_int_eq(config.idle_timeout_seconds, 1);
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "HOOKHOST_MAX_REQUESTS=2147483647",
                              "HOOKHOST_MAX_CONNECTIONS=1000000", "HOOKHOST_REQUEST_TIMEOUT=1",
                              "HOOKHOST_IDLE_TIMEOUT=86400"),
                          NULL),
                     OK);
    ck_assert_int_eq(config.max_requests, 2147483647);
    ck_assert_int_eq(config.max_connections, 1000000);
    ck_assert_int_eq(config.request_timeout_seconds, 1);
    ck_assert_int_eq(config.idle_timeout_seconds, 86400);
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_MAX_PAYLOAD_IN_MB=1048576"), NULL), OK);
    ck_assert_uint_eq(config.max_payload_bytes, (size_t)1048576 * 1048576);
}
END_TEST

START_TEST(booleans)
{
    static const char *const truths[] = { "1", "true", "TRUE", "True", "yes", "YES", "on", "On", " 1 " };
    static const char *const lies[] = { "0", "false", "FALSE", "no", "No", "off", "OFF", "\t0" };
    static const char *const variables[] = { "HOOKHOST_ERROR_TRACEBACKS", "HOOKHOST_NPY_ALLOW_PICKLE",
                                             "HOOKHOST_FASTPATH" };
    char variable[128];

    for (size_t v = 0; v < 3; v++) {
        for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++) {
            bool *field = v == 0 ? &config.error_tracebacks : v == 1 ? &config.npy_allow_pickle : &config.fastpath;
            snprintf(variable, sizeof variable, "%s=%s", variables[v], truths[i]);
            ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL), OK);
            ck_assert_msg(*field, "%s", variable);
        }
        for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
            bool *field = v == 0 ? &config.error_tracebacks : v == 1 ? &config.npy_allow_pickle : &config.fastpath;
            snprintf(variable, sizeof variable, "%s=%s", variables[v], lies[i]);
            ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL), OK);
            ck_assert_msg(!*field, "%s", variable);
        }
        snprintf(variable, sizeof variable, "%s=maybe", variables[v]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, variables[v], "\"maybe\": not a boolean");
        snprintf(variable, sizeof variable, "%s=2", variables[v]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, variables[v], "not a boolean");
        snprintf(variable, sizeof variable, "%s=truest", variables[v]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, variables[v], "not a boolean");
        snprintf(variable, sizeof variable, "%s=yes please", variables[v]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, variables[v], "not a boolean");
    }
}
END_TEST

START_TEST(log_levels)
{
    static const struct {
        const char *value;
        int level;
    } good[] = {
        { "DEBUG", 10 }, { "debug", 10 }, { "Info", 20 },    { "WARNING", 30 }, { "warn", 30 },
        { "ERROR", 40 }, { "critical", 50 }, { "FATAL", 50 }, { "NOTSET", 0 },  { "10", 10 },
        { "20", 20 },    { "30", 30 },    { "40", 40 },      { "50", 50 },      { "15", 15 },
        { "0", 0 },      { " 30 ", 30 },
    };
    static const char *const bad[] = { "verbose", "5x", "51", "-1", "INFOO", "info please", "1.5" };
    char variable[128];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(variable, sizeof variable, "SAGEMAKER_CONTAINER_LOG_LEVEL=%s", good[i].value);
        ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL), OK);
        ck_assert_int_eq(config.log_level, good[i].level);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(variable, sizeof variable, "SAGEMAKER_CONTAINER_LOG_LEVEL=%s", bad[i]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", variable), NULL, "SAGEMAKER_CONTAINER_LOG_LEVEL", bad[i]);
    }
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--log-level", "loud"), "--log-level \"loud\"",
                 "DEBUG, INFO, WARNING, ERROR, CRITICAL");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--log-level=Warning")), OK);
    ck_assert_int_eq(config.log_level, 30);

    ck_assert_str_eq(config_log_level_name(10), "DEBUG");
    ck_assert_str_eq(config_log_level_name(20), "INFO");
    ck_assert_str_eq(config_log_level_name(30), "WARNING");
    ck_assert_str_eq(config_log_level_name(40), "ERROR");
    ck_assert_str_eq(config_log_level_name(50), "CRITICAL");
    ck_assert_str_eq(config_log_level_name(25), "INFO");
}
END_TEST

START_TEST(bind_forms)
{
    static const struct {
        const char *value, *host;
        int port;
    } good[] = {
        { "127.0.0.1:8081", "127.0.0.1", 8081 },
        { "[::1]:8082", "::1", 8082 },
        { "[fe80::1%eth0]:80", "fe80::1%eth0", 80 },
        { ":8083", "0.0.0.0", 8083 },
        { "localhost:1", "localhost", 1 },
        { "0.0.0.0:65535", "0.0.0.0", 65535 },
    };
    static const char *const bad[] = { "8080", "::1:8080", "[::1]8080", "[]:80", "host:", "host:0",
                                       "host:abc", "[::1]:", "host:65536", "[::1" };

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--bind", (char *)good[i].value)), OK);
        ck_assert_str_eq(config.bind_host, good[i].host);
        ck_assert_int_eq(config.port, good[i].port);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", bad[i]);
        assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--bind", (char *)bad[i]), "--bind", quoted);
    }
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--bind", "::1:8080"), "brackets", NULL);
}
END_TEST

START_TEST(unknown_and_malformed_flags)
{
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--x"), "unknown option --x (see hookhost --help)", NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--port=8080"), "unknown option --port (see hookhost --help)",
                 NULL);
    ck_assert_ptr_null(strstr(err.message, "8080"));
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--workers", "2", "--verbose"), "unknown option --verbose",
                 NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--work", "2"), "unknown option --work", NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("-w", "2"), "unexpected argument -w", NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("serve"), "unexpected argument serve", NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--"), "unexpected argument --", NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--workers"), "--workers needs a value", NULL);
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--workers", "--timeout", "5"), "--workers needs a value",
                 NULL);
    /* SAGEMAKER_* variables have no flags of their own. */
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--max-payload", "5"), "unknown option --max-payload", NULL);
}
END_TEST

START_TEST(program_rules)
{
    assert_fails(ENV("SAGEMAKER_BASE_DIR=/srv"), NULL, "SAGEMAKER_PROGRAM is not set", "/srv/code");
    ck_assert_ptr_nonnull(strstr(err.message, "--program"));
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py"), FLAGS("--program="), "--program", "empty");
    assert_fails(ENV("SAGEMAKER_PROGRAM=sub/inference.py"), NULL, "SAGEMAKER_PROGRAM=\"sub/inference.py\"",
                 "not a path");
    assert_fails(ENV("SAGEMAKER_PROGRAM=.py"), NULL, "SAGEMAKER_PROGRAM", "no module name");

    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=model"), NULL), OK);
    ck_assert_str_eq(config.module_name, "model");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py.py"), NULL), OK);
    ck_assert_str_eq(config.module_name, "a.py");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=my-script.PY"), NULL), OK);
    ck_assert_str_eq(config.module_name, "my-script.PY");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=env.py"), FLAGS("--program", "f.py")), OK);
    ck_assert_str_eq(config.module_name, "f");
}
END_TEST

START_TEST(submit_directory_rules)
{
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_SUBMIT_DIRECTORY=s3://bucket/code/source.tar.gz"), NULL,
                 "SAGEMAKER_SUBMIT_DIRECTORY=\"s3://bucket/code/source.tar.gz\"", "not yet supported");
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_SUBMIT_DIRECTORY=S3://bucket/x.tgz"), NULL,
                 "SAGEMAKER_SUBMIT_DIRECTORY", "not yet supported");
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_SUBMIT_DIRECTORY=https://example.com/x.tgz"), NULL,
                 "SAGEMAKER_SUBMIT_DIRECTORY", "only local paths");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_SUBMIT_DIRECTORY=relative/dir:with:colons"),
                          NULL),
                     OK);
    ck_assert_str_eq(config.submit_directory, "relative/dir:with:colons");
    /* The filesystem is not consulted. */
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_SUBMIT_DIRECTORY=/does/not/exist.tar"), NULL),
                     OK);
    ck_assert_str_eq(config.submit_directory, "/does/not/exist.tar");
}
END_TEST

START_TEST(base_dir_forms)
{
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_BASE_DIR=/"), NULL), OK);
    ck_assert_str_eq(config.base_dir, "/");
    ck_assert_str_eq(config.model_dir, "/model");
    ck_assert_str_eq(config.code_dir, "/code");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_BASE_DIR=ml//"), NULL), OK);
    ck_assert_str_eq(config.model_dir, "ml/model");
}
END_TEST

START_TEST(lengths_and_characters)
{
    char program[400] = "SAGEMAKER_PROGRAM=", base[PATH_MAX + 40] = "SAGEMAKER_BASE_DIR=/";
    size_t length = strlen(program);

    memset(program + length, 'p', 300);
    program[length + 300] = '\0';
    assert_fails(ENV(program), NULL, "SAGEMAKER_PROGRAM", "longer than 255 bytes");
    ck_assert_uint_lt(strlen(err.message), ERROR_MESSAGE_MAX);
    ck_assert_ptr_nonnull(strstr(err.message, "...\""));

    length = strlen(base);
    memset(base + length, 'b', PATH_MAX - 4);
    base[length + PATH_MAX - 4] = '\0';
    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", base), NULL, "SAGEMAKER_BASE_DIR", "too long");

    assert_fails(ENV("SAGEMAKER_PROGRAM=a.py", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=text/csv\r\nX-Evil: 1"), NULL,
                 "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "not a valid media type");
    ck_assert_int_eq(load(ENV("SAGEMAKER_PROGRAM=a.py",
                              "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=application/json; charset=utf-8"),
                          NULL),
                     OK);
    ck_assert_str_eq(config.default_accept, "application/json; charset=utf-8");
}
END_TEST

START_TEST(null_env_means_environ)
{
    ck_assert_int_eq(setenv("SAGEMAKER_PROGRAM", "from_environ.py", 1), 0);
    ck_assert_int_eq(setenv("SAGEMAKER_MODEL_SERVER_TIMEOUT", "33", 1), 0);
    ck_assert_int_eq(load(NULL, NULL), OK);
    ck_assert_str_eq(config.module_name, "from_environ");
    ck_assert_int_eq(config.timeout_seconds, 33);
    ck_assert_int_eq(setenv("SAGEMAKER_MODEL_SERVER_TIMEOUT", "soon", 1), 0);
    assert_fails(NULL, NULL, "SAGEMAKER_MODEL_SERVER_TIMEOUT=\"soon\"", NULL);
}
END_TEST

START_TEST(usage_lists_everything)
{
    static const char *const expected[] = {
        "hookhost serve [options]", "hookhost --version", "--bind", "--workers", "--timeout", "--model-dir",
        "--code-dir", "--program", "--log-level", "SAGEMAKER_BASE_DIR", "SAGEMAKER_PROGRAM",
        "SAGEMAKER_SUBMIT_DIRECTORY", "SAGEMAKER_BIND_TO_PORT", "SAGEMAKER_MODEL_SERVER_WORKERS",
        "SAGEMAKER_MODEL_SERVER_TIMEOUT", "SAGEMAKER_MAX_PAYLOAD_IN_MB", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT",
        "SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_SAFE_PORT_RANGE", "HOOKHOST_GRACEFUL_TIMEOUT",
        "HOOKHOST_ERROR_TRACEBACKS", "HOOKHOST_NPY_ALLOW_PICKLE", "HOOKHOST_FASTPATH", "HOOKHOST_QUEUE_MAX",
        "HOOKHOST_MAX_REQUESTS", "HOOKHOST_MAX_CONNECTIONS", "HOOKHOST_REQUEST_TIMEOUT", "HOOKHOST_IDLE_TIMEOUT",
        "default 0 = never", "default 30",
        "HOOKHOST_PIP_ARGS", "HOOKHOST_PYTHON ", "HOOKHOST_PYTHON_DIR", "/ping", "/invocations",
        "/execution-parameters", "default 8080", "default 60", "default 100", "default /opt/ml",
        "default 20", "default 1024", "application/json",
    };
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    ck_assert_ptr_nonnull(out);
    config_usage(out);
    fclose(out);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(strstr(text, expected[i]) != NULL, "usage lacks %s", expected[i]);
    /* Fits a terminal, except where it prints a compiled-in install path,
     * whose length the builder chose (distcheck's prefix is long). */
    for (char *line = text, *end; *line != '\0'; line = end + 1) {
        end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        *end = '\0';
        if ((HOOKHOST_PYTHON_DIR_DEFAULT[0] != '\0' && strstr(line, HOOKHOST_PYTHON_DIR_DEFAULT) != NULL) ||
            strstr(line, HOOKHOST_DEFAULT_PYTHON) != NULL)
            continue;
        ck_assert_int_le(end - line, 100);
    }
    free(text);
}
END_TEST

/* ---- cgroup CPU limits, on fake trees under a temporary directory ---- */

static char tree[64];

static void write_file(const char *relative, const char *content)
{
    char path[PATH_MAX], command[PATH_MAX + 32];
    FILE *file;

    snprintf(path, sizeof path, "%s/%s", tree, relative);
    snprintf(command, sizeof command, "mkdir -p \"$(dirname '%s')\"", path);
    ck_assert_int_eq(system(command), 0);
    file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(content, file);
    fclose(file);
}

static int limit_in_tree(void)
{
    char root[PATH_MAX], proc[PATH_MAX];
    snprintf(root, sizeof root, "%s/sys", tree);
    snprintf(proc, sizeof proc, "%s/proc_cgroup", tree);
    return config_cgroup_cpu_limit(root, proc);
}

static void make_tree(void)
{
    snprintf(tree, sizeof tree, "/tmp/hookhost-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tree));
}

static void remove_tree(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", tree);
    ck_assert_int_eq(system(command), 0);
}

START_TEST(cgroup_v2_limits)
{
    make_tree();
    write_file("proc_cgroup", "0::/\n");
    ck_assert_int_eq(limit_in_tree(), 0); /* no cpu.max at all */
    write_file("sys/cpu.max", "max 100000\n");
    ck_assert_int_eq(limit_in_tree(), 0);
    write_file("sys/cpu.max", "150000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 2); /* 1.5 CPUs round up */
    write_file("sys/cpu.max", "50000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 1);
    write_file("sys/cpu.max", "400000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 4);

    /* Seen from the host: the process's cgroup and its parents. */
    write_file("proc_cgroup", "0::/kubepods/pod1/ctr\n");
    write_file("sys/cpu.max", "max 100000\n");
    write_file("sys/kubepods/cpu.max", "max 100000\n");
    write_file("sys/kubepods/pod1/cpu.max", "300000 100000\n");
    write_file("sys/kubepods/pod1/ctr/cpu.max", "max 100000\n");
    ck_assert_int_eq(limit_in_tree(), 3);
    write_file("sys/kubepods/pod1/ctr/cpu.max", "800000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 3); /* the smallest holds */
    write_file("sys/kubepods/pod1/ctr/cpu.max", "200000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 2);

    /* Inside a container without a cgroup namespace: the host path does not
     * exist under the mount, whose root is the container's cgroup. */
    write_file("proc_cgroup", "0::/docker/abc123\n");
    write_file("sys/cpu.max", "250000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 3);

    /* Garbage is no limit. */
    write_file("sys/cpu.max", "lots\n");
    ck_assert_int_eq(limit_in_tree(), 0);
    remove_tree();
}
END_TEST

START_TEST(cgroup_v1_limits)
{
    make_tree();
    write_file("proc_cgroup", "12:memory:/\n4:cpu,cpuacct:/\n0::/\n");
    write_file("sys/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    write_file("sys/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    ck_assert_int_eq(limit_in_tree(), 0);
    write_file("sys/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
    ck_assert_int_eq(limit_in_tree(), 1);
    write_file("sys/cpu,cpuacct/cpu.cfs_quota_us", "200001\n");
    ck_assert_int_eq(limit_in_tree(), 3);
    remove_tree();

    /* "cpu" mounted alone (as on this kind of host), nested path. */
    make_tree();
    write_file("proc_cgroup", "2:cpuacct:/\n1:cpu:/docker/abc\n0::/\n");
    write_file("sys/cpu/cpu.cfs_quota_us", "-1\n");
    write_file("sys/cpu/cpu.cfs_period_us", "100000\n");
    write_file("sys/cpu/docker/cpu.cfs_quota_us", "300000\n");
    write_file("sys/cpu/docker/cpu.cfs_period_us", "100000\n");
    write_file("sys/cpu/docker/abc/cpu.cfs_quota_us", "-1\n");
    write_file("sys/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
    ck_assert_int_eq(limit_in_tree(), 3);
    remove_tree();

    /* Joined list in /proc, but mounted under the "cpu" alias. */
    make_tree();
    write_file("proc_cgroup", "4:cpuacct,cpu:/\n");
    write_file("sys/cpu/cpu.cfs_quota_us", "100000\n");
    write_file("sys/cpu/cpu.cfs_period_us", "100000\n");
    ck_assert_int_eq(limit_in_tree(), 1);
    remove_tree();

    /* No /proc/self/cgroup: the roots are read as they are. */
    make_tree();
    write_file("sys/cpu.max", "700000 100000\n");
    ck_assert_int_eq(limit_in_tree(), 7);
    remove_tree();
}
END_TEST

START_TEST(cpu_count_is_sane)
{
    int cpus = config_cpu_count();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_int_ge(cpus, 1);
    ck_assert_int_le(cpus, online);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("config");
    TCase *tcase = tcase_create("config");
    SRunner *runner;
    int failed;

    tcase_add_test(tcase, defaults);
    tcase_add_test(tcase, every_variable);
    tcase_add_test(tcase, empty_variables_count_as_unset);
    tcase_add_test(tcase, first_of_duplicate_variables_counts);
    tcase_add_test(tcase, flags_override_environment);
    tcase_add_test(tcase, overridden_variable_is_not_read);
    tcase_add_test(tcase, last_repeated_flag_wins);
    tcase_add_test(tcase, bad_numbers_name_variable_and_value);
    tcase_add_test(tcase, out_of_range_numbers);
    tcase_add_test(tcase, booleans);
    tcase_add_test(tcase, log_levels);
    tcase_add_test(tcase, bind_forms);
    tcase_add_test(tcase, unknown_and_malformed_flags);
    tcase_add_test(tcase, program_rules);
    tcase_add_test(tcase, submit_directory_rules);
    tcase_add_test(tcase, base_dir_forms);
    tcase_add_test(tcase, lengths_and_characters);
    tcase_add_test(tcase, null_env_means_environ);
    tcase_add_test(tcase, usage_lists_everything);
    tcase_add_test(tcase, cgroup_v2_limits);
    tcase_add_test(tcase, cgroup_v1_limits);
    tcase_add_test(tcase, cpu_count_is_sane);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
