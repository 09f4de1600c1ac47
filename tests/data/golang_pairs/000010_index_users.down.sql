DROP INDEX gm_users_name;
