//! The finding: reqwest honours `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY`, and a proxy resolves
//! names itself, bypassing the public-only resolver. Archive fetches must never use one.
//!
//! Its own test binary (its own process), because it sets the proxy variables in the
//! environment, which the other tests must not see.

use std::io::{Read, Write};
use std::net::TcpListener;

/// A one-shot HTTP server on loopback that answers every request with `body`.
fn serve_once(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[tokio::test]
async fn ssrf_an_http_proxy_in_the_environment_is_not_used_for_archive_fetches() {
    let target = serve_once("direct");
    let proxy = serve_once("through the proxy");
    let proxy_url = format!("http://127.0.0.1:{proxy}");
    // SAFETY: this test binary holds this one test, and sets the variables before any other
    // thread reads the environment.
    unsafe {
        for k in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            std::env::set_var(k, &proxy_url);
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    // `private` lets the fetch reach loopback, where both servers run; the point is only
    // which of the two answers.
    let fetched = chancery_app::archive::fetch(
        &format!("http://127.0.0.1:{target}/document.txt"),
        1 << 20,
        std::time::Duration::from_secs(10),
        true,
    )
    .await
    .expect("fetched");
    assert_eq!(
        String::from_utf8_lossy(&fetched.bytes),
        "direct",
        "the fetch went through the proxy named in the environment"
    );
}
