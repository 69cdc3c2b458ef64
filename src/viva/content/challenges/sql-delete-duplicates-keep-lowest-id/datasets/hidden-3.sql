-- '_' and '%' are characters like any other: 'ann_lee' is not 'ann.lee', 'bo%' is not
-- 'bo.x' (a LIKE comparison would say they match, one way or the other); one real pair.
INSERT INTO customers (id, name, email) VALUES
    (41, 'Ann Lee', 'ann.lee@corp.io'),
    (42, 'Ann L.', 'ann_lee@corp.io'),
    (43, 'Bo X', 'bo_x@corp.io'),
    (44, 'Bo X.', 'bo.x@corp.io'),
    (45, 'Cy', 'cy%@corp.io'),
    (46, 'Cyd', 'cyd@corp.io'),
    (47, 'Dee', 'dee@corp.io'),
    (48, 'Dee 2', ' DEE@corp.io'),
    (49, 'Eli', NULL);
