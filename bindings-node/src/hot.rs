//! The one call made per record, written against Node-API directly.
//!
//! napi-rs's generated glue tracks every borrowed class argument in a
//! process-wide registry; for a call made hundreds of thousands of times a
//! second that bookkeeping cost more than the capture itself. Here the
//! channel and the context travel as type-tagged externals made once (per
//! logger, per context scope), the strings are copied in one pass where
//! they fit a scratch buffer, and the record is pushed. Everything else
//! stays on napi-rs.

use crate::logger::ChannelCore;
use logfort_core::Context;
use napi::bindgen_prelude::*;
use napi::sys;
use std::cell::RefCell;
use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::Arc;

/// Tags telling our externals apart from any other external value.
const CHANNEL_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x6c66_6368_616e_6e65,
    upper: 0x8e3c_51a2_0b7d_4f19,
};
const CONTEXT_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x6c66_6374_7874_6864,
    upper: 0x2f94_c6d1_7a35_e08b,
};

/// Strings up to this many UTF-8 bytes are copied in one pass.
const SCRATCH: usize = 8192;

thread_local! {
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH]);
}

unsafe extern "C" fn drop_arc<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Box<Arc<T>> leaked by `external`, finalized once.
    drop(unsafe { Box::from_raw(data as *mut Arc<T>) });
}

/// A tagged external holding one reference to `value`.
fn external<T: 'static>(
    env: &Env,
    value: Arc<T>,
    tag: &sys::napi_type_tag,
) -> Result<Unknown<'static>> {
    let raw = Box::into_raw(Box::new(value));
    let mut out = ptr::null_mut();
    // SAFETY: plain Node-API calls on the calling thread's env; on failure
    // the box is reclaimed here, otherwise the finalizer owns it.
    unsafe {
        let status = sys::napi_create_external(
            env.raw(),
            raw as *mut c_void,
            Some(drop_arc::<T>),
            ptr::null_mut(),
            &mut out,
        );
        if status != sys::Status::napi_ok {
            drop(Box::from_raw(raw));
            return Err(Error::from_reason("cannot create a native handle"));
        }
        if sys::napi_type_tag_object(env.raw(), out, tag) != sys::Status::napi_ok {
            return Err(Error::from_reason("cannot tag a native handle"));
        }
        Ok(Unknown::from_raw_unchecked(env.raw(), out))
    }
}

pub fn channel_handle(env: &Env, core: Arc<ChannelCore>) -> Result<Unknown<'static>> {
    external(env, core, &CHANNEL_TAG)
}

pub fn context_handle(env: &Env, ctx: Arc<Context>) -> Result<Unknown<'static>> {
    external(env, ctx, &CONTEXT_TAG)
}

/// The value behind one of our externals, if `v` is one with `tag`.
///
/// # Safety
/// `env` and `v` must be live handles of the current callback.
unsafe fn unwrap<'a, T>(
    env: sys::napi_env,
    v: sys::napi_value,
    tag: &sys::napi_type_tag,
) -> Option<&'a Arc<T>> {
    let mut kind = 0;
    let mut tagged = false;
    let mut data = ptr::null_mut();
    // SAFETY: Node-API calls on live handles; the tag proves `data` is the
    // Box<Arc<T>> we made, kept alive by the argument for this call.
    unsafe {
        (sys::napi_typeof(env, v, &mut kind) == sys::Status::napi_ok
            && kind == sys::ValueType::napi_external
            && sys::napi_check_object_type_tag(env, v, tag, &mut tagged) == sys::Status::napi_ok
            && tagged
            && sys::napi_get_value_external(env, v, &mut data) == sys::Status::napi_ok
            && !data.is_null())
        .then(|| &*(data as *const Arc<T>))
    }
}

fn is_nullish(env: sys::napi_env, v: sys::napi_value) -> bool {
    let mut kind = 0;
    // SAFETY: a Node-API call on a live handle.
    let ok = unsafe { sys::napi_typeof(env, v, &mut kind) } == sys::Status::napi_ok;
    ok && (kind == sys::ValueType::napi_undefined || kind == sys::ValueType::napi_null)
}

/// `f` of a JS string (lone surrogates become U+FFFD), read into the
/// thread's scratch buffer when it fits: no allocation for the caller.
///
/// # Safety
/// `env` and `v` must be live handles of the current callback.
unsafe fn with_string<R>(
    env: sys::napi_env,
    v: sys::napi_value,
    f: impl FnOnce(&str) -> R,
) -> Option<R> {
    BUF.with(|b| {
        let mut buf = b.borrow_mut();
        let mut len = 0usize;
        // SAFETY: the buffer holds SCRATCH bytes; Node writes at most
        // SCRATCH - 1 plus a NUL and reports how many it wrote.
        let status = unsafe {
            sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), SCRATCH, &mut len)
        };
        if status != sys::Status::napi_ok {
            return None;
        }
        // A multi-byte character that did not fit is left out whole, so
        // only a result well short of the end is surely complete.
        if len + 4 < SCRATCH {
            // SAFETY: Node-API writes valid UTF-8.
            return Some(f(unsafe { std::str::from_utf8_unchecked(&buf[..len]) }));
        }
        drop(buf);
        // SAFETY: length query, then a copy into a buffer of that size.
        unsafe {
            if sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len)
                != sys::Status::napi_ok
            {
                return None;
            }
            let mut out = Vec::<u8>::with_capacity(len + 1);
            let mut written = 0usize;
            if sys::napi_get_value_string_utf8(
                env,
                v,
                out.as_mut_ptr().cast(),
                len + 1,
                &mut written,
            ) != sys::Status::napi_ok
            {
                return None;
            }
            out.set_len(written);
            Some(f(std::str::from_utf8_unchecked(&out)))
        }
    })
}

fn throw(env: sys::napi_env, msg: &CStr) -> sys::napi_value {
    // SAFETY: throwing on the calling thread's env.
    unsafe { sys::napi_throw_type_error(env, c"ERR_INVALID_ARG_TYPE".as_ptr(), msg.as_ptr()) };
    ptr::null_mut()
}

/// A core error (a schema violation under policy `strict`) as a JS
/// `Error` with `code`.
fn throw_core(env: sys::napi_env, e: &logfort_core::Error) -> sys::napi_value {
    let code = std::ffi::CString::new(crate::error::code(e)).unwrap_or_default();
    let msg = std::ffi::CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
    // SAFETY: throwing on the calling thread's env.
    unsafe { sys::napi_throw_error(env, code.as_ptr(), msg.as_ptr()) };
    ptr::null_mut()
}

/// `log(channel, level, message, fields?, context?)`.
unsafe extern "C" fn log(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut argc = 5usize;
    let mut argv = [ptr::null_mut(); 5];
    // SAFETY: reading this callback's arguments; missing ones are undefined.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    if status != sys::Status::napi_ok {
        return throw(env, c"logfort: cannot read the arguments");
    }
    // SAFETY: every handle comes from this callback's argument list.
    let result = std::panic::catch_unwind(|| unsafe {
        let channel = unwrap::<ChannelCore>(env, argv[0], &CHANNEL_TAG)
            .ok_or(c"logfort: not a channel handle")?;
        let mut level = 0u32;
        if sys::napi_get_value_uint32(env, argv[1], &mut level) != sys::Status::napi_ok {
            return Err(c"logfort: the level must be a number");
        }
        let context = if is_nullish(env, argv[4]) {
            None
        } else {
            Some(
                unwrap::<Context>(env, argv[4], &CONTEXT_TAG)
                    .ok_or(c"logfort: not a context handle")?,
            )
        };
        let mut rec = with_string(env, argv[2], |m| channel.record(level, m, context))
            .ok_or(c"logfort: the message must be a string")?;
        if is_nullish(env, argv[3]) {
            channel.set_fields(&mut rec, None);
        } else {
            with_string(env, argv[3], |f| channel.set_fields(&mut rec, Some(f)))
                .ok_or(c"logfort: fields must be a JSON string")?;
        }
        Ok(channel.push(rec))
    });
    match result {
        Ok(Ok(Ok(()))) => ptr::null_mut(),
        Ok(Ok(Err(e))) => throw_core(env, &e),
        Ok(Err(msg)) => throw(env, msg),
        Err(_) => throw(env, c"logfort: internal error while capturing a record"),
    }
}

/// The per-record function, for lib/logger.js to keep.
#[napi_derive::napi(
    ts_return_type = "(channel: object, level: number, message: string, fields?: string | null, context?: object | null) => void"
)]
pub fn log_function(env: &Env) -> Result<Unknown<'static>> {
    let mut f = ptr::null_mut();
    // SAFETY: creating a function on the calling thread's env.
    let status = unsafe {
        sys::napi_create_function(
            env.raw(),
            c"log".as_ptr(),
            3,
            Some(log),
            ptr::null_mut(),
            &mut f,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(Error::from_reason("cannot create the log function"));
    }
    // SAFETY: `f` is a live value of this env.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), f) })
}
