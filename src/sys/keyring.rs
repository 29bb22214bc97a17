//! The Linux kernel keyring, through the `add_key` and `keyctl` system calls (keyctl(2),
//! linux/keyctl.h): a journal key kept in the kernel instead of a file
//! (`--key keyring:NAME`), as a key of type `user` in the caller's user keyring.

use std::ffi::CString;
use std::io;

/// The caller's user keyring (`@u`).
const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
/// keyctl operations (linux/keyctl.h).
const KEYCTL_SEARCH: libc::c_long = 10;
const KEYCTL_READ: libc::c_long = 11;
const KEYCTL_INVALIDATE: libc::c_long = 21;
/// The key type tccc keeps its key as.
const KEY_TYPE: &[u8] = b"user\0";

fn name_of(name: &str) -> io::Result<CString> {
    CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

fn serial_of(result: libc::c_long) -> io::Result<i32> {
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    i32::try_from(result).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
}

/// The serial number of the `user` key `name`: searched in the user keyring, then in the
/// thread, process and session keyrings. `ENOKEY` when there is none.
pub fn find(name: &str) -> io::Result<i32> {
    let description = name_of(name)?;
    // SAFETY: both strings are NUL-terminated and outlive the call; KEYCTL_SEARCH reads
    // them and writes nothing into our memory; the last argument (no destination keyring)
    // is 0.
    let found = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_SEARCH,
            KEY_SPEC_USER_KEYRING,
            KEY_TYPE.as_ptr(),
            description.as_ptr(),
            0 as libc::c_long,
        )
    };
    match serial_of(found) {
        Ok(serial) => Ok(serial),
        Err(error) if error.raw_os_error() == Some(libc::ENOKEY) => {
            // SAFETY: NUL-terminated strings that outlive the call; a null callout string
            // asks the kernel not to construct the key; destination 0 links it nowhere.
            let requested = unsafe {
                libc::syscall(
                    libc::SYS_request_key,
                    KEY_TYPE.as_ptr(),
                    description.as_ptr(),
                    std::ptr::null::<libc::c_char>(),
                    0 as libc::c_long,
                )
            };
            serial_of(requested)
        }
        Err(error) => Err(error),
    }
}

/// Reads key `serial`'s payload into `buffer`; returns the payload's whole length (which
/// may exceed the buffer: then only its start was copied).
pub fn read(serial: i32, buffer: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the kernel writes at most `buffer.len()` bytes at `buffer`'s start, which is
    // valid for writes for that length while the call lasts.
    let length = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_READ,
            libc::c_long::from(serial),
            buffer.as_mut_ptr(),
            buffer.len(),
        )
    };
    if length < 0 {
        return Err(io::Error::last_os_error());
    }
    usize::try_from(length).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
}

/// Adds the `user` key `name` with `payload` to the user keyring and returns its serial.
/// The kernel replaces the payload of an existing key of that name: callers check first.
pub fn add(name: &str, payload: &[u8]) -> io::Result<i32> {
    let description = name_of(name)?;
    // SAFETY: the strings are NUL-terminated, `payload` is valid for reads of its length;
    // all outlive the call, and the kernel copies what it keeps.
    let added = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            KEY_TYPE.as_ptr(),
            description.as_ptr(),
            payload.as_ptr(),
            payload.len(),
            KEY_SPEC_USER_KEYRING,
        )
    };
    serial_of(added)
}

/// Invalidates key `serial`: it is unusable at once and the kernel destroys it.
pub fn invalidate(serial: i32) -> io::Result<()> {
    // SAFETY: KEYCTL_INVALIDATE takes a serial number only; no memory is shared.
    let result = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_INVALIDATE,
            libc::c_long::from(serial),
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
