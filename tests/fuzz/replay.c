/*
 * replay: runs a libFuzzer target's entry point over every file of the corpus
 * directories on the command line, without libFuzzer.  `make check` builds
 * each target with this driver under AddressSanitizer and UBSan, so the
 * committed corpora are re-checked on every build by any compiler.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    struct stat info;
    uint8_t *data;
    size_t got;

    if (file == NULL || fstat(fileno(file), &info) != 0) {
        perror(path);
        if (file)
            fclose(file);
        return -1;
    }
    /* An exact-size heap copy, so reading one byte past the input is caught. */
    data = malloc(info.st_size > 0 ? (size_t)info.st_size : 1);
    got = fread(data, 1, (size_t)info.st_size, file);
    fclose(file);
    LLVMFuzzerTestOneInput(data, got);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    size_t files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *directory = opendir(argv[i]);
        struct dirent *entry;
        if (directory == NULL) {
            perror(argv[i]);
            return 1;
        }
        while ((entry = readdir(directory)) != NULL) {
            char path[4096];
            if (entry->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], entry->d_name);
            if (replay_file(path) != 0)
                return 1;
            files++;
        }
        closedir(directory);
    }
    printf("replayed %zu inputs\n", files);
    return files > 0 ? 0 : 1;
}
