# The trusted wrapper every sandboxed program runs under: python -c <this file> CFG_JSON.
# Read by lib/sandbox/wrapper_py.ts, which documents it; CFG_JSON carries the limits and the
# exit codes / marker (one source of truth in TypeScript). Runs before any untrusted byte:
# closes inherited descriptors, reads the program from stdin, sets resource limits, installs the
# audit hook (a third layer only), then runs the program and maps its ending to an exit code.
import os, sys, json, resource, signal
os.closerange(3, 1 << 20)
_cfg = json.loads(sys.argv[1])
_E = _cfg["exits"]
_M = _cfg["marker"]
if _cfg["setsid"]:
    try:
        os.setsid()
    except OSError:
        pass
_src = sys.stdin.buffer.read().decode("utf-8", "replace")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
_wd = os.path.realpath(os.getcwd())
_exit = os._exit
_write = os.write

def _mark(kind, detail, code, _write=os.write, _exit=os._exit, sys=sys, _M=_M):
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    _write(2, ("\n%s%s: %s\n" % (_M, kind, detail)).encode("utf-8", "replace")[:600])
    _exit(code)

def _on_xcpu(signum, frame):
    _mark("CPU", "CPU time limit exceeded", _E["cpu"])
signal.signal(signal.SIGXCPU, _on_xcpu)

def _limit(which, value):
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass
_limit(resource.RLIMIT_AS, _cfg["memoryBytes"])
_limit(resource.RLIMIT_FSIZE, _cfg["fileBytes"])
_limit(resource.RLIMIT_NOFILE, 64)
_limit(resource.RLIMIT_CORE, 0)
_limit(resource.RLIMIT_NPROC, _cfg.get("processes", 0))
try:
    resource.setrlimit(resource.RLIMIT_CPU, (_cfg["cpuSeconds"], _cfg["cpuSeconds"] + 1))
except (ValueError, OSError):
    pass

def _install_hook(mark=_mark, wd=_wd, blocked_code=_E["blocked"], str=str, bytes=bytes, int=int, isinstance=isinstance,
                  hasattr=hasattr, bool=bool, tuple=tuple, frozenset=frozenset):
    realpath, join, isabs, fspath, isdir = os.path.realpath, os.path.join, os.path.isabs, os.fspath, os.path.isdir
    getcwd = os.getcwd
    read_roots = {wd}
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path):
        if p:
            read_roots.add(realpath(p))
    read_roots.update(["/usr/lib", "/usr/lib64", "/usr/local/lib", "/usr/share", "/lib", "/lib64",
                       "/etc/localtime", "/etc/ssl", "/dev/null", "/dev/urandom", "/dev/random", "/dev/zero"])
    read_roots = tuple(sorted(read_roots))
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    blocked = frozenset([
        "os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
        "os.kill", "os.killpg", "signal.pthread_kill", "subprocess.Popen", "pty.spawn",
        "resource.setrlimit", "resource.prlimit", "os.symlink", "os.link", "os.chown", "os.lchown",
        "os.chflags", "os.lchflags", "shutil.chown", "sys.remote_exec", "webbrowser.open",
    ])
    blocked_prefixes = ("socket.", "ctypes.", "_ctypes.", "urllib.", "http.", "ftplib.", "smtplib.",
                        "poplib.", "imaplib.", "nntplib.", "telnetlib.", "os.exec", "os.spawn", "os.posix_spawn")
    blocked_modules = frozenset(["ctypes", "_ctypes", "_posixsubprocess", "cffi", "_cffi_backend",
                                 "_testcapi", "_testinternalcapi", "_xxsubinterpreters"])
    write_events = frozenset(["os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.truncate",
                              "os.utime", "os.setxattr", "os.removexattr", "shutil.rmtree", "shutil.copyfile",
                              "shutil.copytree", "shutil.move", "shutil.make_archive", "shutil.unpack_archive"])
    read_events = frozenset(["os.listdir", "os.scandir", "os.chdir", "glob.glob", "os.getxattr",
                             "os.listxattr", "shutil.copymode", "shutil.copystat"])

    def deny(event, detail):
        mark("BLOCKED", "%s %s" % (event, detail), blocked_code)

    def resolve(path):
        try:
            p = fspath(path)
        except TypeError:
            return None
        if isinstance(p, bytes):
            p = p.decode("utf-8", "surrogateescape")
        if not isabs(p):
            p = join(getcwd(), p)
        return realpath(p)

    def inside(path, roots):
        for r in roots:
            if path == r or path.startswith(r + "/"):
                return True
        return False

    def check_path(event, arg, roots):
        if arg is None or isinstance(arg, int):
            return
        p = resolve(arg)
        if p is None or not inside(p, roots):
            deny(event, "path %r is outside the allowed directory" % (arg,))

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writing = bool(isinstance(flags, int) and flags & write_flags)
            if isinstance(mode, str):
                for c in "wax+":
                    if c in mode:
                        writing = True
            if writing:
                check_path(event + " for writing", path, (wd,))
            else:
                check_path(event, path, read_roots)
                if mode is None and flags is not None:
                    p = resolve(path)
                    if p is not None and isdir(p) and not inside(p, (wd,)):
                        deny(event, "directory handle %r outside the working directory" % (path,))
        elif event == "import":
            if args[0] in blocked_modules:
                deny(event, "module %r" % (args[0],))
        elif event in blocked or event.startswith(blocked_prefixes):
            deny(event, "is not allowed in the sandbox")
        elif event in write_events:
            for a in args[:2]:
                if isinstance(a, (str, bytes)) or hasattr(a, "__fspath__"):
                    check_path(event, a, (wd,))
        elif event in read_events:
            if args and (isinstance(args[0], (str, bytes)) or hasattr(args[0], "__fspath__")):
                check_path(event, args[0], read_roots)
        elif event == "sqlite3.connect":
            if args and args[0] not in (":memory:", b":memory:"):
                check_path(event, args[0], (wd,))
    sys.addaudithook(hook)

if _cfg.get("auditHook", True):
    _install_hook()
del _install_hook

def _run(src):
    g = {"__name__": "__main__", "__builtins__": __builtins__}
    import linecache
    linecache.cache["<sandbox>"] = (len(src), None, src.splitlines(True), "<sandbox>")
    try:
        exec(compile(src, "<sandbox>", "exec"), g)
    except MemoryError:
        g.clear()
        _mark("MEMORY", "memory limit exceeded (MemoryError)", _E["memory"])
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if type(code) is bool:
            code = int(code)
        if type(code) is not int:
            try:
                print(code, file=sys.stderr)
            except BaseException:
                pass
            return _E["error"]
        if code == 0 or 1 <= code <= 125:
            return code
        _write(2, b"SystemExit code %d is outside 0..125: counted as 1\n" % code)
        return _E["error"]
    except BaseException:
        import traceback
        try:
            traceback.print_exc()
        except BaseException:
            _write(2, b"uncaught exception (traceback unavailable)\n")
        return _E["error"]
    return 0

_status = _run(_src)
for _s in (sys.stdout, sys.stderr):
    try:
        _s.flush()
    except BaseException:
        pass
_exit(_status)
