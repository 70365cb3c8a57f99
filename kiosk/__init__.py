"""Touch-screen kiosk with barcode-scanner lookup (004 Art. 4.3c)."""
