"""Default tracking providers (``crossdesk_carriers``): 17TRACK, AfterShip, and EasyPost return labels."""
