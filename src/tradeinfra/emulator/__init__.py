"""The local target: the emulator's process control (`process`), the server
it runs (`server`), and the moto adaptations that server applies."""
