"""Runs a command on a pseudo-terminal of a given width and prints everything it wrote there
(raw: carriage returns and escape sequences kept), then exits with the command's status. With
--resize-after SECONDS COLUMNS the terminal is resized once while the command runs (the kernel
tells the command with SIGWINCH), as an operator resizing a window would.

  pty_run.py COLUMNS [--resize-after SECONDS COLUMNS] COMMAND [ARG...]
"""
import fcntl, os, pty, select, struct, sys, termios, time

columns, rest = int(sys.argv[1]), sys.argv[2:]
resize = None
if rest[:1] == ["--resize-after"]:
    resize, rest = (float(rest[1]), int(rest[2])), rest[3:]
command = rest
pid, fd = pty.fork()
if pid == 0:
    # The child sets its own terminal's size before it starts, so the first draw already sees it.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    os.execvp(command[0], command)
started = time.monotonic()
out = bytearray()
while True:
    if resize and time.monotonic() - started >= resize[0]:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, resize[1], 0, 0))
        out += b"\n<<resized>>\n"
        resize = None
    ready, _, _ = select.select([fd], [], [], 0.05)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break  # EIO: the child closed the terminal
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.stdout.flush()
sys.exit(os.waitstatus_to_exitcode(status))
