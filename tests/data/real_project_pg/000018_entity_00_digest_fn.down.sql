DROP FUNCTION app_digest(text);
