-- Near misses that are NOT duplicates (inner space, different domain), a group of
-- four, a NULL email next to real ones, the lowest id inserted last.
INSERT INTO customers (id, name, email) VALUES
    (30, 'Sam', 'sam@corp.io'),
    (31, 'Sam 2', 's am@corp.io'),
    (32, 'Sam 3', 'sam@corp.com'),
    (33, 'Sam 4', ' SAM@CORP.IO'),
    (34, 'Rae', 'rae@corp.io'),
    (35, 'Sam 5', 'Sam@Corp.Io '),
    (36, 'Quinn', NULL),
    (37, 'Rae 2', 'rae@corp.io'),
    (38, 'Sam 6', 'sam@corp.io'),
    (39, 'Pia', 'pia@corp.io'),
    (40, 'Omar', 'omar@corp.io'),
    (29, 'Rae 0', '  RAE@corp.io  ');
