-- statistics only; nothing to undo
ANALYZE;
