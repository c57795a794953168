//! The listener's limits: a connection that sends no request head gives
//! its place up after the header timeout, so idle connections cannot hold
//! the server. Time is tokio's paused clock: the 30 s pass at once.

use axum::Router;
use axum::routing::get;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tutela_server::listen::{HEADER_READ_TIMEOUT, Limits, serve_router};

async fn read_all(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.unwrap();
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_closed_after_the_header_timeout_and_frees_its_place() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/", get(|| async { "ok" }));
    let limits = Limits {
        max_connections: 1,
        header_read_timeout: HEADER_READ_TIMEOUT,
    };
    tokio::spawn(serve_router(
        listener,
        router,
        limits,
        std::future::pending(),
    ));

    // The idle connection takes the only place.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    tokio::task::yield_now().await;
    let started = tokio::time::Instant::now();
    let mut asking = TcpStream::connect(addr).await.unwrap();
    asking
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // Bounded, so a server that never frees the place fails the test
    // rather than hanging it.
    let answer = tokio::time::timeout(Duration::from_secs(120), read_all(&mut asking))
        .await
        .expect("the request was never served: the idle connection kept its place");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    assert!(
        started.elapsed() >= HEADER_READ_TIMEOUT,
        "served only once the idle connection gave its place up ({:?})",
        started.elapsed()
    );
    assert!(
        started.elapsed() < HEADER_READ_TIMEOUT + Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The idle connection was closed by the server, not kept.
    assert_eq!(read_all(&mut idle).await, "");
}
