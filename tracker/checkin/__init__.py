"""Self check-in by QR code: a rotating code shown by the trainer, arrivals recorded against bookings."""
