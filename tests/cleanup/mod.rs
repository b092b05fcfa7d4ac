//! A guard that deletes a broker test's queues and dead-letter exchange when it goes out of scope,
//! also when the test panics, so a failing test never leaves its topology on the shared broker.
//! It opens its own connection on its own thread: `Drop` cannot await inside the test's runtime.

use lapin::{Connection, ConnectionProperties};

use crate::support::{Names, URL};

pub struct DeleteOnDrop(pub Names);

impl Drop for DeleteOnDrop {
    fn drop(&mut self) {
        let names = self.0.clone();
        let worker = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let Ok(conn) = Connection::connect(URL, ConnectionProperties::default()).await
                else {
                    return;
                };
                let Ok(ch) = conn.create_channel().await else {
                    return;
                };
                crate::support::delete_topology(&ch, &names).await;
                let _ = conn.close(200, "OK".into()).await;
            });
        });
        let _ = worker.join();
    }
}
