"""model_fn appends this worker's pid to <model_dir>/model_fn_pids.txt (one write, O_APPEND)."""
import os


def model_fn(model_dir):
    fd = os.open(os.path.join(model_dir, "model_fn_pids.txt"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"%d\n" % os.getpid())
    finally:
        os.close(fd)
    return {"pid": os.getpid(), "model_dir": model_dir}


def transform_fn(model, body, content_type, accept):
    return str(model["pid"]), "text/plain"
