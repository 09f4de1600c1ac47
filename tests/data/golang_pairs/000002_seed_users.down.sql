DELETE FROM gm_users;
