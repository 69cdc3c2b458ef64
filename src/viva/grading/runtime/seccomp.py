"""A seccomp filter through libseccomp (ctypes): deny the system calls a graded program has
no business making. Compiled once in the zygote, loaded in each worker after it dropped to
its slot uid."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_MASKED_EQ = 1, 7
AF_UNIX = 1
# clone() with any of these makes a namespace; in a new user namespace the child would hold
# every capability (mounts, further namespaces). CLONE_NEWTIME (0x80) overlaps clone()'s exit
# signal byte, where no valid signal has that bit.
NAMESPACE_FLAGS = (
    0x10000000,  # CLONE_NEWUSER
    0x00020000,  # CLONE_NEWNS
    0x40000000,  # CLONE_NEWNET
    0x20000000,  # CLONE_NEWPID
    0x08000000,  # CLONE_NEWIPC
    0x04000000,  # CLONE_NEWUTS
    0x02000000,  # CLONE_NEWCGROUP
    0x00000080,  # CLONE_NEWTIME
)
DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "settimeofday",
    "clock_settime",
    "adjtimex",
    "userfaultfd",
    "open_by_handle_at",
    "name_to_handle_at",
    "io_uring_setup",
    "quotactl",
    "syslog",
    "vhangup",
    "lookup_dcookie",
    "fanotify_init",
    "mbind",
    "move_pages",
    "personality",
    "iopl",
    "ioperm",
    # the new mount API: a mount without mount(2)
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "open_tree_attr",
    "mount_setattr",
    # no socket gets an address or a peer: nothing to find from another run
    "bind",
    "listen",
    "connect",
    "accept",
    "accept4",
    # memory a run's init cannot see in any process's pages
    "memfd_create",
    "memfd_secret",
    "io_uring_enter",
    "io_uring_register",
    # SysV IPC: a detached segment or a queued message belongs to no process, so the run's
    # init would not count it (a red team held 768 MB in a 64 MB run with shmget).
    "shmget",
    "shmat",
    "shmctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
)
# Newer than this libseccomp knows (x86_64 numbers).
X86_64_NUMBERS = {"open_tree_attr": 467}
# clone3 passes its flags in memory, out of the filter's reach: ENOSYS, so glibc falls back
# to clone(), whose flags it can check.
NOT_IMPLEMENTED = ("clone3",)


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


def compile_filter() -> bytes:
    """Build the filter once with libseccomp and return its raw BPF program (8-byte
    instructions), so that each run only has to load it: microseconds instead of ms."""
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        deny = _errno_action(errno.EPERM)
        for syscall in DENIED:
            nr = lib.seccomp_syscall_resolve_name(syscall.encode())
            if nr < 0 and platform.machine() == "x86_64":
                nr = X86_64_NUMBERS.get(syscall, -1)
            if nr < 0:
                continue  # not on this architecture
            if lib.seccomp_rule_add_array(ctx, deny, nr, 0, None) < 0:
                raise OSError(f"seccomp rule for {syscall} failed")
        for syscall in NOT_IMPLEMENTED:
            nr = lib.seccomp_syscall_resolve_name(syscall.encode())
            if (
                nr >= 0
                and lib.seccomp_rule_add_array(ctx, _errno_action(errno.ENOSYS), nr, 0, None) < 0
            ):
                raise OSError(f"seccomp rule for {syscall} failed")
        clone_nr = lib.seccomp_syscall_resolve_name(b"clone")
        for flag in NAMESPACE_FLAGS:
            has_flag = (_ArgCmp * 1)(_ArgCmp(0, SCMP_CMP_MASKED_EQ, flag, flag))
            if lib.seccomp_rule_add_array(ctx, deny, clone_nr, 1, has_flag) < 0:
                raise OSError("seccomp rule for clone failed")
        # Sockets: only AF_UNIX (no IPv4/IPv6/netlink/packet sockets at all).
        socket_nr = lib.seccomp_syscall_resolve_name(b"socket")
        not_unix = (_ArgCmp * 1)(_ArgCmp(0, SCMP_CMP_NE, AF_UNIX, 0))
        if lib.seccomp_rule_add_array(ctx, _errno_action(errno.EACCES), socket_nr, 1, not_unix) < 0:
            raise OSError("seccomp rule for socket failed")
        lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        read_fd, write_fd = os.pipe()
        try:
            if lib.seccomp_export_bpf(ctx, write_fd) < 0:
                raise OSError("seccomp_export_bpf failed")
            os.close(write_fd)
            write_fd = -1
            chunks = []
            while chunk := os.read(read_fd, 65536):
                chunks.append(chunk)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
    finally:
        lib.seccomp_release(ctx)
    program = b"".join(chunks)
    if not program or len(program) % 8:
        raise OSError("seccomp produced no filter")
    return program


def install(program: bytes) -> None:
    """Load a compiled filter into this process (irreversible; needs no_new_privs first)."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "loading the seccomp filter failed")
