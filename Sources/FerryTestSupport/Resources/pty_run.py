"""Runs a command on a pseudo-terminal of a given width and prints everything it wrote there
(raw: carriage returns and escape sequences kept), then exits with the command's status.

  pty_run.py COLUMNS COMMAND [ARG...]
"""
import fcntl, os, pty, struct, sys, termios

columns, command = int(sys.argv[1]), sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    # The child sets its own terminal's size before it starts, so the first draw already sees it.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    os.execvp(command[0], command)
out = bytearray()
while True:
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
