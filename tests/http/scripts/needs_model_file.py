"""model_fn needs <model_dir>/model.txt; every attempt appends its pid to <model_dir>/attempts.txt first."""
import os


def model_fn(model_dir):
    fd = os.open(os.path.join(model_dir, "attempts.txt"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"%d\n" % os.getpid())
    finally:
        os.close(fd)
    with open(os.path.join(model_dir, "model.txt")) as model:
        return model.read().strip()


def transform_fn(model, body, content_type, accept):
    return "model says %s" % model, "text/plain"
