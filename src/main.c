/*
 * main: command line -> role.
 *
 *   hookhost serve [options]      the master (no Python in this process)
 *   hookhost check [options]      load the script and model once, report, exit
 *   hookhost --worker N [options] a worker, started by the master only
 *   hookhost --help | --version
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "master.h"
#include "script_check.h"
#include "startup.h"
#include "worker.h"


static int serve(const char *argv0, int argc, char **argv)
{
    static struct config config;     /* the process's one configuration */
    struct startup startup;
    struct error err;
    char **worker_argv;
    int status;

    error_clear(&err);
    if (config_load(&config, argc, argv, NULL, &err) != OK) {
        fprintf(stderr, "hookhost: %s\n", err.message);
        return 2;
    }
    log_setup(config.log_level, "master");
    if (startup_prepare(&config, &startup, &err) != OK) {
        log_write(LOG_CRITICAL, "cannot start: %s", err.message);
        startup_cleanup(&startup);
        return 1;
    }
    /* Workers read the same flags and environment; the code directory the
     * start-up settled on is appended so theirs matches. */
    worker_argv = calloc((size_t)argc + 3, sizeof *worker_argv);
    if (worker_argv == NULL) {
        startup_cleanup(&startup);
        return 1;
    }
    for (int i = 0; i < argc; i++)
        worker_argv[i] = argv[i];
    worker_argv[argc] = "--code-dir";
    worker_argv[argc + 1] = startup.code_dir;
    status = master_run(&config, argv0, argc + 2, worker_argv);
    free(worker_argv);
    startup_cleanup(&startup);
    return status;
}

static int work(const char *index_text, int argc, char **argv)
{
    static struct config config;
    struct error err;
    char *end;
    long index = strtol(index_text, &end, 10);

    error_clear(&err);
    if (*end != '\0' || index < 1 || index > 100000) {
        fprintf(stderr, "hookhost: --worker takes a worker number\n");
        return 2;
    }
    if (config_load(&config, argc, argv, NULL, &err) != OK) {
        fprintf(stderr, "hookhost: %s\n", err.message);
        return 2;
    }
    return worker_main(&config, (int)index);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        config_usage(stdout);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("hookhost %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                config_usage(stdout);
                return 0;
            }
        }
        return serve(argv[0], argc - 2, argv + 2);
    }
    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                script_check_usage(stdout);
                return 0;
            }
        }
        return script_check_main(argc - 2, argv + 2);
    }
    if (argc >= 3 && strcmp(argv[1], "--worker") == 0)
        return work(argv[2], argc - 3, argv + 3);
    fprintf(stderr, "usage: hookhost serve|check [options]   (hookhost --help for the options)\n");
    return 2;
}
