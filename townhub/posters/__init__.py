"""Printable QR posters and stickers that bring residents to a hub, counted per business."""
