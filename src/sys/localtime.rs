//! The system's offset from UTC now (`localtime_r`: the `TZ` variable, else
//! `/etc/localtime`; UTC where neither is set), for the advisor's wall clock, so the clock
//! times it narrates and the ones the medic says are on the same local timeline.

/// Minutes the local time is ahead of UTC now (negative west of Greenwich); 0 when the
/// system cannot say.
pub fn utc_offset_minutes_now() -> i32 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0);
    // SAFETY: `tm` is plain data (all-zero is a valid value); `localtime_r` writes only into
    // it and reads only `now`, both alive for the call; the reentrant form shares no static.
    let offset_s = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    };
    i32::try_from(offset_s / 60).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_the_one_date_prints() {
        // `date +%z` reads the same TZ / /etc/localtime: "+0100", "-0530".
        let Ok(out) = std::process::Command::new("date").arg("+%z").output() else {
            eprintln!("skipped: no `date` program");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let sign = if text.starts_with('-') { -1 } else { 1 };
        let hours: i32 = text[1..3].parse().unwrap();
        let minutes: i32 = text[3..5].parse().unwrap();
        assert_eq!(
            utc_offset_minutes_now(),
            sign * (hours * 60 + minutes),
            "{text}"
        );
    }
}
